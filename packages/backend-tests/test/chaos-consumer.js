// One consumer process of a backend's chaos.serial.test.ts (built packages):
//   node chaos-consumer.js <backend package> <backend class> <backend options as JSON> <queue>
// It prints `done <id>` for every event it handles, before the ack, so a kill between the two is a
// duplicate, never a loss.
const { Wrkr } = require('@wrkr/core');

const [pkg, className, optionsJson, queue] = process.argv.slice(2);
const Backend = require(pkg)[className];
// A consumer started while the server is being restarted retries its start, as a supervised process would.
const START_ATTEMPTS = 100;

function boot(attempt) {
  const wrkr = new Wrkr({ backend: new Backend(JSON.parse(optionsJson)), worker: false, scheduler: false });
  wrkr
    .start()
    .then(() => wrkr.subscribe(queue, null, async (event) => {
      process.stdout.write(`done ${event.id}\n`);
    }, { concurrency: 16, visibilityTimeout: '1s' }))
    .catch(async (err) => {
      await wrkr.stop().catch(() => {});
      if (attempt >= START_ATTEMPTS) {
        process.stderr.write(`chaos consumer: ${err.message}\n`);
        process.exit(1);
      }
      setTimeout(() => boot(attempt + 1), 100);
    });
}
boot(1);
