'use strict';
/**
 * The cost of job keys on MongoDB/FerretDB: 1,000 single-item `send`s through the public Wrkr API,
 * without a key and with each key mode, one after another (a keyed item is written on its own anyway).
 * Alternating rounds, median per mode, so drift in a shared machine's load hits every mode alike.
 *
 *   npm run build && node packages/backend-mongodb/bench/keys.js [--rounds N]
 *   env: WRKR_MONGO_URL (mongodb://127.0.0.1:27017), BENCH_SENDS (1000)
 */
const { randomBytes } = require('node:crypto');
const { MongoClient } = require('mongodb');
const { Wrkr } = require('@wrkr/core');
const { MongoBackend, dropNamespace } = require('@wrkr/backend-mongodb');
const { roundsArg, median, alternatingRounds } = require('../../../bench/measure');

const URL = process.env.WRKR_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const DB = 'wrkr_bench_keys';
const SENDS = Number(process.env.BENCH_SENDS ?? 1_000);
const ROUNDS = roundsArg();

/** Each mode's event for send i: unkeyed, distinct dedupe keys, a debounce burst per 10 keys (each send replaces), throttled keys. */
const MODES = {
  none: () => ({ name: 'bench.keys' }),
  dedupe: (i) => ({ name: 'bench.keys', key: `d-${i}` }),
  debounce: (i) => ({ name: 'bench.keys', key: `b-${i % 10}`, keyMode: 'debounce' }),
  throttle: (i) => ({ name: 'bench.keys', key: `t-${i % 100}`, keyMode: 'throttle', keyTtl: 60_000 }),
};

async function round(admin, mode) {
  const ns = `bk_${randomBytes(4).toString('hex')}`;
  const wrkr = new Wrkr({ backend: new MongoBackend({ url: URL, dbName: DB, namespace: ns }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    const make = MODES[mode];
    await wrkr.send('q', [make(-1)]);
    const start = process.hrtime.bigint();
    for (let i = 0; i < SENDS; i++) await wrkr.send('q', [make(i)]);
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    await wrkr.stop();
    await dropNamespace(admin.db(DB), ns);
  }
}

async function main() {
  const admin = await new MongoClient(URL).connect();
  try {
    const times = await alternatingRounds(Object.keys(MODES), ROUNDS, (mode) => round(admin, mode));
    const base = median(times.none);
    process.stdout.write(`${SENDS} single-item sends, median of ${ROUNDS} rounds, ${URL}\n`);
    for (const [mode, xs] of Object.entries(times)) {
      const ms = median(xs);
      process.stdout.write(`${mode.padEnd(9)} ${ms.toFixed(0).padStart(7)} ms  ${(ms / SENDS).toFixed(2).padStart(6)} ms/send  ${(ms / base).toFixed(2)}x  (rounds: ${xs.map((x) => x.toFixed(0)).join(', ')})\n`);
    }
  } finally {
    await admin.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
