// One consumer process of chaos.serial.test.ts (built packages): prints `done <id>` for every event it
// handles, before the ack, so a kill between the two is a duplicate, never a loss.
const { Wrkr } = require('@wrkr/core');
const { RedisBackend } = require('@wrkr/backend-redis');

const [url, namespace, queue] = process.argv.slice(2);
const wrkr = new Wrkr({ backend: new RedisBackend({ url, namespace }), worker: false, scheduler: false });
wrkr
  .start()
  .then(() => wrkr.subscribe(queue, null, async (event) => {
    process.stdout.write(`done ${event.id}\n`);
  }, { concurrency: 16, visibilityTimeout: '1s' }))
  .catch((err) => {
    process.stderr.write(`chaos consumer: ${err.message}\n`);
    process.exit(1);
  });
