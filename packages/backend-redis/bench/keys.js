'use strict';
/**
 * The cost of job keys on Redis: `send` throughput of the same items without a key and with each key
 * mode, through the public Wrkr API. Alternating rounds, median per mode, so drift in the shared
 * machine's load hits every mode alike.
 *
 *   npm run build && node packages/backend-redis/bench/keys.js [--quick]
 */
const { Wrkr } = require('@wrkr/core');
const { RedisBackend } = require('@wrkr/backend-redis');
const { namespace, destroy } = require('./namespace');

const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const quick = process.argv.includes('--quick');
const ITEMS = quick ? 5_000 : 20_000;
const BATCH = 100;
const ROUNDS = quick ? 3 : 5;

/** Each mode's events for item i: unkeyed, distinct dedupe keys, a debounce burst per 10 keys, throttled keys. */
const MODES = {
  none: () => ({ name: 'bench.keys' }),
  dedupe: (i, r) => ({ name: 'bench.keys', key: `d${r}-${i}` }),
  debounce: (i, r) => ({ name: 'bench.keys', key: `b${r}-${i % 10}`, keyMode: 'debounce' }),
  throttle: (i, r) => ({ name: 'bench.keys', key: `t${r}-${i % 1000}`, keyMode: 'throttle', keyTtl: 60_000 }),
};

async function round(mode, r) {
  const ns = namespace('bench_keys');
  const wrkr = new Wrkr({ backend: new RedisBackend({ url: URL, namespace: ns }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    const make = MODES[mode];
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITEMS; i += BATCH) {
      await wrkr.send('q', Array.from({ length: BATCH }, (_, k) => make(i + k, r)));
    }
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return (ITEMS / ms) * 1000;
  } finally {
    await wrkr.stop();
    await destroy(URL, ns);
  }
}

async function main() {
  const rates = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
  for (let r = 0; r < ROUNDS; r++) for (const mode of Object.keys(MODES)) rates[mode].push(await round(mode, r));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base = median(rates.none);
  process.stdout.write(`redis send, ${ITEMS} events in batches of ${BATCH}, median of ${ROUNDS} rounds\n`);
  for (const mode of Object.keys(MODES)) {
    const m = median(rates[mode]);
    process.stdout.write(`${mode.padEnd(9)} ${Math.round(m).toLocaleString('en')}/s  ${(m / base).toFixed(2)}× unkeyed  (rounds: ${rates[mode].map((x) => Math.round(x)).join(', ')})\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
