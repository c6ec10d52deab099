'use strict';
/**
 * The cost of fair groups on MongoDB/FerretDB, through the backend contract: single-item sends and a
 * claim(max 1) + ack loop on a plain queue (what grouping must not slow down), and the same loop on a
 * queue grouped by tid (10 tenants, group concurrency 5). Alternating rounds, median per mode.
 *
 *   npx tsc -b && node packages/backend-mongodb/bench/groups.js [--rounds N]
 *   env: WRKR_MONGO_URL (mongodb://127.0.0.1:27017), BENCH_ITEMS (500)
 */
const { randomBytes, randomUUID } = require('node:crypto');
const { MongoClient } = require('mongodb');
const { MongoBackend, dropNamespace } = require('@wrkr/backend-mongodb');
const { roundsArg, median, alternatingRounds } = require('../../../bench/measure');

const URL = process.env.WRKR_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const DB = 'wrkr_bench_groups';
const ITEMS = Number(process.env.BENCH_ITEMS ?? 500);
const ROUNDS = roundsArg();

const message = (i) => ({ id: randomUUID(), name: 'bench.groups', tid: `t${i % 10}`, publishedAt: Date.now() });

/** Time of ITEMS claim(max 1) + ack rounds once ITEMS are queued (limits set before the sends). */
async function claimLoop(b, limits) {
  if (limits !== undefined) await b.setQueueLimits('q', limits);
  for (let i = 0; i < ITEMS; i += 100) await b.send('q', Array.from({ length: Math.min(100, ITEMS - i) }, (_, k) => ({ message: message(i + k) })));
  const start = process.hrtime.bigint();
  for (let n = 0; n < ITEMS; ) {
    const got = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 1_000 });
    for (const d of got) await b.ack({ queue: 'q', id: d.message.id, token: d.token });
    n += got.length;
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const MODES = {
  'send (plain)': async (b) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITEMS; i++) await b.send('q', [{ message: message(i) }]);
    return Number(process.hrtime.bigint() - start) / 1e6;
  },
  'claim+ack (plain)': (b) => claimLoop(b, undefined),
  'claim+ack (grouped)': (b) => (b.capabilities.fairGroups ? claimLoop(b, { group: { by: 'tid', concurrency: 5 } }) : Promise.resolve(Number.NaN)),
};

async function round(admin, mode) {
  const ns = `bg_${randomBytes(4).toString('hex')}`;
  const b = new MongoBackend({ url: URL, dbName: DB, namespace: ns });
  await b.start();
  try {
    await b.send('q', [{ message: message(-1) }]);
    await b.purgeFailed('q');
    const [first] = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 0 });
    if (first) await b.ack({ queue: 'q', id: first.message.id, token: first.token });
    return await MODES[mode](b);
  } finally {
    await b.close();
    await dropNamespace(admin.db(DB), ns);
  }
}

async function main() {
  const admin = await new MongoClient(URL).connect();
  try {
    const times = await alternatingRounds(Object.keys(MODES), ROUNDS, (mode) => round(admin, mode));
    process.stdout.write(`${ITEMS} items per mode, median of ${ROUNDS} rounds, ${URL}\n`);
    for (const [mode, xs] of Object.entries(times)) {
      const ms = median(xs);
      process.stdout.write(`${mode.padEnd(20)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / ITEMS).toFixed(2).padStart(6)} ms/item  (rounds: ${xs.map((x) => x.toFixed(0)).join(', ')})\n`);
    }
  } finally {
    await admin.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
