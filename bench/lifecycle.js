'use strict';
// What lifecycle events cost a consumer: publish → handle → ack through Wrkr, with the backend's lifecycle
// events on (each job publishes `active` and `completed`, counted durably), the same with a watcher of
// the queue in another client receiving them, and the same backend with the capability masked off (no
// events: the baseline). Rounds alternate the three so drift hits each alike; best of each is printed
// with its ratio to the baseline. Run after `tsc -b`: `node bench/lifecycle.js [memory|redis|rabbitmq|mongodb]`
// (`npm run bench -- lifecycle`). Env: BENCH_EVENTS, BENCH_ROUNDS, BENCH_CONCURRENCY. Not part of the tests.
const { Wrkr } = require('@wrkr/core');
const { MemoryBackend, MemoryStore } = require('@wrkr/backend-memory');
const { RedisBackend } = require('@wrkr/backend-redis');
const { RabbitMqBackend } = require('@wrkr/backend-rabbitmq');
const { MongoBackend, dropNamespace } = require('@wrkr/backend-mongodb');
const { benchResults } = require('./results');

const kind = process.argv[2] ?? 'memory';
const SLOW = kind === 'rabbitmq' || kind === 'mongodb';
const N = Number(process.env.BENCH_EVENTS ?? (SLOW ? 3000 : 20_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const MONGO_URL = process.env.WRKR_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?maxPoolSize=10';
const MONGO_DB = 'wrkr_bench';

function factory(namespace) {
  const store = new MemoryStore();
  const made = {
    memory: () => new MemoryBackend({ namespace, store }),
    redis: () => new RedisBackend({ namespace }),
    rabbitmq: () => new RabbitMqBackend({ namespace }),
    mongodb: () => new MongoBackend({ url: MONGO_URL, dbName: MONGO_DB, namespace }),
  }[kind];
  if (!made) throw new Error(`unknown backend ${kind}; choose memory, redis, rabbitmq or mongodb`);
  return made;
}

/** Jobs per second end to end; `mode` is 'off' (capability masked), 'on', or 'watched' (a watcher in another client). */
async function run(mode, round) {
  const namespace = `bench_life_${process.pid}_${mode}_${round}`;
  const make = factory(namespace);
  const backend = make();
  if (mode === 'off') Object.defineProperty(backend, 'capabilities', { value: Object.freeze({ ...backend.capabilities, lifecycleEvents: false }) });
  const w = new Wrkr({ backend, worker: false, scheduler: false });
  await w.start();
  let manager;
  let seen = 0;
  if (mode === 'watched') {
    manager = new Wrkr({ backend: make(), worker: false, scheduler: false });
    await manager.start();
    (await manager.watch('bench')).on('completed', () => seen++);
    await new Promise((r) => setTimeout(r, 200));
  }
  let done = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  await w.subscribe('bench', 'bench.#', async () => {
    if (++done === N) finish();
  }, { concurrency: CONCURRENCY });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 500) await w.publish(Array.from({ length: Math.min(500, N - i) }, (_, j) => ({ name: 'bench.item', data: i + j })));
  await finished;
  const rate = N / (Number(process.hrtime.bigint() - t0) / 1e9);
  // The counts are durable once their batch is written (a turn or a flush interval after the last ack).
  let counted;
  for (let waited = 0; mode !== 'off' && waited < 10_000; waited += 50) {
    counted = (await w.counters('bench')).completed;
    if (counted >= N) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await w.deleteQueue('bench');
  await w.stop();
  if (manager) await manager.stop();
  if (kind === 'mongodb') {
    const { MongoClient } = require('mongodb');
    const admin = await MongoClient.connect(MONGO_URL);
    await dropNamespace(admin.db(MONGO_DB), namespace);
    await admin.close();
  }
  return { rate, counted, seen };
}

(async () => {
  process.stdout.write(`${kind}: ${N} jobs, concurrency ${CONCURRENCY}, best of ${ROUNDS} alternating rounds\n`);
  const best = { off: 0, on: 0, watched: 0 };
  let watchedSeen = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of ['off', 'on', 'watched']) {
      global.gc?.();
      const { rate, counted, seen } = await run(mode, r);
      if (counted !== undefined && counted < N) throw new Error(`${mode}: counters say ${counted} completed of ${N}`);
      best[mode] = Math.max(best[mode], rate);
      if (mode === 'watched') watchedSeen = Math.max(watchedSeen, seen);
    }
  }
  const fmt = (x) => `${Math.round(x).toLocaleString('en')} jobs/s`;
  process.stdout.write(`  no lifecycle events (capability masked): ${fmt(best.off)}\n`);
  process.stdout.write(`  events on, nobody watching:              ${fmt(best.on)}  (${(best.on / best.off).toFixed(2)}× of none)\n`);
  process.stdout.write(`  events on, a watcher in another client:  ${fmt(best.watched)}  (${(best.watched / best.off).toFixed(2)}× of none; it saw ${watchedSeen} of ${N} completions)\n`);
  const results = benchResults(`lifecycle-${kind}`);
  results.add(`lifecycle events, concurrency ${CONCURRENCY}`, { unit: 'jobs/s', values: { 'events on': best.on, 'events on, watched': best.watched, 'no events': best.off } });
  results.write();
  process.exit(0);
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
