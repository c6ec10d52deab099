#!/usr/bin/env node
'use strict';
/**
 * wrkr (Redis backend) vs BullMQ vs bee-queue on the same Redis, in the same run (issue 3); end to end
 * also against the simplest reliable list queue on bare ioredis (./list-queue.js), the floor.
 *
 *   npm run build && node packages/backend-redis/bench/run.js [--only e2e,delayed,depth,memory] [--quick] [--rounds N]
 *
 * End to end runs every system `--rounds` times (default 5), alternating, and prints the median: a
 * system's first run in the process is JIT-cold (wrkr's ran at half its speed there), and alternating
 * spreads a shared machine's drift over all of them.
 *
 * REDIS_URL (default redis://127.0.0.1:6379/0) picks the server; every system uses a unique key prefix
 * and deletes its keys afterwards.
 */
const { latenessSummary, fmt, benchArgs, roundsArg, median, alternatingRounds } = require('../../../bench/measure');
const systems = [require('./wrkr'), require('./bullmq'), require('./bee-queue')];
const wrkr = systems[0];
const floor = require('./list-queue');
const results = require('../../../bench/results').benchResults('redis');

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const { quick, enabled } = benchArgs();
const rounds = roundsArg(5);
const ratio = (a, b) => (a / b).toFixed(2);

async function endToEnd() {
  const total = quick ? 10_000 : 50_000;
  for (const concurrency of [100, 1]) {
    console.log(`\n## end-to-end: ${fmt(total)} events, published in batches of 1,000, concurrency ${concurrency}, median of ${rounds} alternating rounds`);
    const all = [...systems, floor];
    const runs = await alternatingRounds(all.map((s) => s.name), rounds, (name) => all.find((s) => s.name === name).endToEnd(url, { total, batch: 1000, concurrency }));
    const rate = {};
    for (const s of all) {
      rate[s.name] = median(runs[s.name]);
      console.log(`${s.name.padEnd(10)} ${fmt(rate[s.name]).padStart(8)} events/s   (runs ${runs[s.name].map(fmt).join(', ')})`);
    }
    results.add(`end to end, concurrency ${concurrency}`, { unit: 'events/s', values: rate, ...(concurrency === 100 && { target: '≥ 4× bullmq, ≥ 2× bee-queue, ≥ 0.6× list-queue' }) });
    console.log(`ratio wrkr/bullmq ${ratio(rate.wrkr, rate.bullmq)}   wrkr/bee-queue ${ratio(rate.wrkr, rate['bee-queue'])}   wrkr/list-queue ${ratio(rate.wrkr, rate['list-queue'])}` +
      (concurrency === 100 ? '   (targets: ≥ 4.00, ≥ 2.00 and ≥ 0.60)' : ''));
  }
}

async function delayed() {
  const scenarios = [
    { title: `${fmt(quick ? 1000 : 5000)} due at the same instant`, dues: (t) => Array.from({ length: quick ? 1000 : 5000 }, () => t + 2000) },
    { title: '500 spread over 3 s', dues: (t) => Array.from({ length: 500 }, (_, i) => t + 2000 + Math.round((i * 3000) / 500)) },
  ];
  for (const sc of scenarios) {
    console.log(`\n## delayed: ${sc.title} (concurrency 100), lateness ms`);
    const res = {};
    for (const s of systems) {
      res[s.name] = latenessSummary(await s.lateness(url, sc.dues(Date.now()), { concurrency: 100 }));
      const r = res[s.name];
      console.log(`${s.name.padEnd(10)} p50 ${fmt(r.p50).padStart(6)}  p99 ${fmt(r.p99).padStart(6)}  max ${fmt(r.max).padStart(6)}  (n=${r.n})`);
    }
    console.log(`ratio p99 wrkr/bullmq ${ratio(res.wrkr.p99, res.bullmq.p99)}`);
    results.add(`delayed, ${sc.title}: p99 lateness`, { unit: 'ms', better: 'lower', values: Object.fromEntries(Object.entries(res).map(([k, r]) => [k, r.p99])) });
  }
}

async function depth() {
  const measure = 20_000;
  const trials = quick ? 1 : 5;
  const big = quick ? 200_000 : 1_000_000;
  for (const kind of ['ready', 'delayed']) {
    console.log(`\n## depth (wrkr): consume ${fmt(measure)} items with ${kind === 'ready' ? 'ready' : 'far-future delayed'} backlog, concurrency 100, median of ${trials}`);
    const small = await wrkr.depthThroughput(url, { depth: 10_000, measure, kind, concurrency: 100, trials });
    console.log(`backlog ${fmt(10_000).padStart(9)}: ${fmt(small).padStart(8)} items/s`);
    const large = await wrkr.depthThroughput(url, { depth: big, measure, kind, concurrency: 100, trials });
    console.log(`backlog ${fmt(big).padStart(9)}: ${fmt(large).padStart(8)} items/s`);
    console.log(`ratio ${fmt(big)}/${fmt(10_000)}: ${ratio(large, small)}   (target ≥ 0.80)`);
    results.add(`depth, ${kind} backlog`, { unit: 'items/s', values: { [`wrkr, ${fmt(10_000)} deep`]: small, [`wrkr, ${fmt(big)} deep`]: large }, target: '≥ 0.8 of the shallow figure' });
  }
}

async function memory() {
  const n = quick ? 5_000 : 20_000;
  console.log(`\n## memory: Redis bytes per delayed event (INFO used_memory delta over ${fmt(n)} small events)`);
  const res = {};
  for (const s of systems) {
    res[s.name] = await s.bytesPerDelayed(url, n);
    console.log(`${s.name.padEnd(10)} ${fmt(res[s.name]).padStart(6)} bytes/item`);
  }
  console.log(`ratio wrkr/bullmq ${ratio(res.wrkr, res.bullmq)}   wrkr/bee-queue ${ratio(res.wrkr, res['bee-queue'])}`);
  results.add('Redis memory per delayed event', { unit: 'bytes', better: 'lower', values: res });
}

async function main() {
  console.log(`# wrkr redis bench — ${new Date().toISOString()} — ${url} — node ${process.version}`);
  if (enabled('e2e')) await endToEnd();
  if (enabled('delayed')) await delayed();
  if (enabled('memory')) await memory();
  if (enabled('depth')) await depth();
  results.write();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
