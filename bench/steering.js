'use strict';
// Steering costs, memory, redis and rabbitmq: how long a resume takes to reach a claim waiting in another
// client, how long an abort takes to reach a handler in another process, and what pause costs a busy
// claim loop (claim+ack throughput of a queue while another queue of the namespace is paused, against
// none paused), what keepCompleted costs the same loop (every ack keeps its item with a small result,
// the queue trimmed to the newest 1,000; where the backend keeps completed items), what queue limits
// cost it (a concurrency limit and a rate limit, each far above the load, against none), what fair groups
// cost it (100 groups by tid, a group concurrency far above the load), and how long
// abort and progress take to find an item's lease in another client, and what `job` and `jobs` take there
// (read-your-writes included: on rabbitmq with `jobIndex` each one is a census barrier). Run after the
// build: `node bench/steering.js [memory|redis|rabbitmq|rabbitmq-index|mongodb]` (`rabbitmq-index`: with
// the shadow logs on). Env: BENCH_ROUNDS, BENCH_EVENTS, WRKR_MONGO_URL. Not part of the tests.
const { Wrkr } = require('@wrkr/core');
const { MemoryBackend, MemoryStore } = require('@wrkr/backend-memory');
const { RedisBackend } = require('@wrkr/backend-redis');
const { RabbitMqBackend } = require('@wrkr/backend-rabbitmq');
const { MongoBackend } = require('@wrkr/backend-mongodb');
const { latenessSummary } = require('./measure');

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const MONGO_URL = process.env.WRKR_MONGO_URL ?? 'mongodb://127.0.0.1:27017/?maxPoolSize=10';
const MONGO_DB = 'wrkr_bench';

function clients(kind) {
  const namespace = `bench_steer_${process.pid}_${Date.now()}`;
  const store = new MemoryStore();
  const made = {
    memory: () => new MemoryBackend({ namespace, store }),
    redis: () => new RedisBackend({ namespace }),
    rabbitmq: () => new RabbitMqBackend({ namespace }),
    'rabbitmq-index': () => new RabbitMqBackend({ namespace, jobIndex: true }),
    mongodb: () => new MongoBackend({ url: MONGO_URL, dbName: MONGO_DB, namespace }),
  }[kind];
  if (!made) throw new Error(`unknown backend ${kind}`);
  return made;
}

// FerretDB runs a few hundred claims a second: fewer items keep a run of this bench to minutes.
const claimsFor = (kind) => Number(process.env.BENCH_EVENTS ?? (kind === 'mongodb' ? 1000 : 5000));

async function resumeLatency(make) {
  const [a, b] = [make(), make()];
  await Promise.all([a.start(), b.start()]);
  const samples = [];
  for (let i = 0; i < ROUNDS; i++) {
    await a.pause('q');
    await a.send('q', [{ message: { id: `r${i}`, name: 'x', publishedAt: Date.now() } }]);
    const waiting = b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await a.resume('q');
    const [d] = await waiting;
    samples.push(performance.now() - t0);
    await b.ack({ queue: 'q', id: d.message.id, token: d.token });
  }
  await a.deleteQueue('q');
  await Promise.all([a.close(), b.close()]);
  return latenessSummary(samples.map((s) => Math.round(s * 10) / 10));
}

async function abortLatency(make) {
  const [worker, manager] = [new Wrkr({ backend: make(), worker: false, scheduler: false }), new Wrkr({ backend: make(), worker: false, scheduler: false })];
  await Promise.all([worker.start(), manager.start()]);
  let onStart;
  let onAbort;
  await worker.subscribe('long', 'long.run', (e, ctx) => new Promise((_, reject) => {
    onStart(e.id);
    ctx.signal.addEventListener('abort', () => (onAbort(), reject(ctx.signal.reason)));
  }), { retry: { attempts: 1 } });
  const samples = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = new Promise((r) => (onStart = r));
    const aborted = new Promise((r) => (onAbort = r));
    await manager.publish({ name: 'long.run' });
    const id = await started;
    const t0 = performance.now();
    await manager.abort('long', id, { fail: true });
    await aborted;
    samples.push(performance.now() - t0);
  }
  await manager.deleteQueue('long');
  await Promise.all([worker.stop(), manager.stop()]);
  return latenessSummary(samples.map((s) => Math.round(s)));
}

/** Backend-level: `abort` (a hit) and `progress` of an item leased in another client, per call. */
async function lookupLatency(make) {
  const [a, b] = [make(), make()];
  await Promise.all([a.start(), b.start()]);
  await a.send('look', [{ message: { id: 'held', name: 'x', publishedAt: Date.now() } }]);
  const [d] = await b.claim('look', { max: 1, leaseMs: 60_000, waitMs: 5_000 });
  await b.setProgress({ queue: 'look', id: d.message.id, token: d.token }, '1');
  const time = async (fn) => {
    const samples = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(Math.round((performance.now() - t0) * 10) / 10);
    }
    return latenessSummary(samples);
  };
  const out = { abort: await time(() => a.abort('look', d.message.id, {})), progress: await time(() => a.progress('look', d.message.id)), miss: await time(() => a.progress('look', 'nobody')) };
  if (a.capabilities.jobLookup) out.job = await time(() => a.job('look', d.message.id));
  if (a.capabilities.listings) out.jobs = await time(() => a.jobs('look', { state: 'inFlight', limit: 10, offset: 0 }));
  await b.ack({ queue: 'look', id: d.message.id, token: d.token });
  await a.deleteQueue('look');
  await Promise.all([a.close(), b.close()]);
  return out;
}

// What a keepCompleted ack keeps: a small result, and a count bound the run goes past, so trims run too.
const KEEP = { count: 1000, ageMs: 3_600_000, result: '{"ok":true,"rows":42}' };

// Limits the loop never reaches (it holds at most 50 in flight), so what is measured is their bookkeeping.
const LIMITS = { concurrency: { concurrency: 1000 }, rate: { rate: { max: 1_000_000, per: 1000 } }, groups: { group: { by: 'tid', concurrency: 1000 } } };

async function claimRate(make, claims, pauseOther, keep, limits) {
  const b = make();
  await b.start();
  if (pauseOther) await b.pause('other');
  if (limits) await b.setQueueLimits('q', limits);
  for (let i = 0; i < claims; i += 500) {
    // Grouped runs spread the items over 100 tids, taken in turn.
    const tid = (n) => (limits?.group ? { tid: `t${n % 100}` } : {});
    await b.send('q', Array.from({ length: 500 }, (_, j) => ({ message: { id: `c${i + j}`, name: 'x', publishedAt: Date.now(), ...tid(i + j) } })));
  }
  const t0 = performance.now();
  for (let left = claims; left > 0; ) {
    const got = await b.claim('q', { max: 50, leaseMs: 30_000, waitMs: 0 });
    await Promise.all(got.map((d) => b.ack({ queue: 'q', id: d.message.id, token: d.token }, keep && { keep })));
    left -= got.length;
  }
  const rate = Math.round(claims / ((performance.now() - t0) / 1000));
  await b.deleteQueue('q');
  await b.deleteQueue('other');
  await b.close();
  return rate;
}

async function main() {
  const kinds = process.argv[2] ? [process.argv[2]] : ['memory', 'redis'];
  // A handler waiting on its signal holds no handle of its own; this keeps the process up meanwhile.
  const keepAlive = setInterval(() => undefined, 1000);
  for (const kind of kinds) {
    const make = clients(kind);
    const claims = claimsFor(kind);
    await claimRate(make, claims, false); // warm-up
    let plain = 0;
    let paused = 0;
    let kept = 0;
    let concurrent = 0;
    let rated = 0;
    let grouped = 0;
    const { keepCompleted: keeps, queueLimits: limits, fairGroups: groups } = make().capabilities;
    // Best of three, alternating, so warm-up and neighbours' load do not favour one side.
    for (let i = 0; i < 3; i++) {
      plain = Math.max(plain, await claimRate(make, claims, false));
      paused = Math.max(paused, await claimRate(make, claims, true));
      if (keeps) kept = Math.max(kept, await claimRate(make, claims, false, KEEP));
      if (limits) concurrent = Math.max(concurrent, await claimRate(make, claims, false, undefined, LIMITS.concurrency));
      if (limits) rated = Math.max(rated, await claimRate(make, claims, false, undefined, LIMITS.rate));
      if (groups) grouped = Math.max(grouped, await claimRate(make, claims, false, undefined, LIMITS.groups));
    }
    console.log(`${kind}: claim+ack ${plain}/s, with another queue paused ${paused}/s, with keepCompleted (count ${KEEP.count}) ${keeps ? `${kept}/s` : 'not offered'}`);
    console.log(`${kind}: claim+ack with a concurrency limit (1000) ${limits ? `${concurrent}/s` : 'not offered'}, with a rate limit (1,000,000 per 1 s) ${limits ? `${rated}/s` : 'not offered'}, with fair groups (100 tids, group concurrency 1000) ${groups ? `${grouped}/s` : 'not offered'}`);
    console.log(`${kind}: resume → waiting claim in another client (ms)`, await resumeLatency(make));
    console.log(`${kind}: abort → signal in another process (ms)`, await abortLatency(make));
    console.log(`${kind}: abort / progress of a lease held in another client, and progress of an item nobody holds (ms per call)`, await lookupLatency(make));
  }
  clearInterval(keepAlive);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
