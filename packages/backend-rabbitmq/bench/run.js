#!/usr/bin/env node
'use strict';
/**
 * wrkr (RabbitMQ backend, through the public `Wrkr` API) vs raw amqplib on the same broker, same run
 * (issue 4). Not part of the tests.
 *
 *   npm run build && node packages/backend-rabbitmq/bench/run.js [--only e2e,priorities,delayed] [--quick]
 *
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) picks the broker; every run uses its own
 * namespace / queue names and deletes them afterwards.
 */
const { randomBytes } = require('node:crypto');
const amqp = require('amqplib');
const { Wrkr } = require('@wrkr/core');
const { RabbitMqBackend } = require('@wrkr/backend-rabbitmq');
const { rawBurst: rawBurstLate } = require('./raw-burst');
const { latenessSummary, counter, within, sleep, fmt, benchArgs } = require('../../../bench/measure');
const results = require('../../../bench/results').benchResults('rabbitmq');

/** Lateness summary of the raw reference burst (raw-burst.js); `like` adds the contract's broker work. */
const rawBurst = async (n, like = false) => latenessSummary((await rawBurstLate(url, n, { like })).late);

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const { quick, enabled } = benchArgs();

async function openWrkr(options = {}) {
  const namespace = `bench_${randomBytes(4).toString('hex')}`;
  // BENCH_JOB_INDEX=1 measures with the shadow logs of `jobIndex` on (see the README, "Job lookup and listings").
  const backend = new RabbitMqBackend({ url, namespace, ...(process.env.BENCH_JOB_INDEX === '1' && { jobIndex: true }), ...options });
  const wrkr = new Wrkr({ backend, worker: false, scheduler: false });
  await wrkr.start();
  return {
    wrkr,
    async close() {
      await wrkr.stop({ timeout: '5s' });
      const cleanup = new RabbitMqBackend({ url, namespace });
      await cleanup.start();
      await cleanup.destroy();
    },
  };
}

/**
 * wrkr: publish `total` events in batches (fan-out through the topic exchange), handle each with
 * concurrency 100. `options` go to the backend; `priority(i)` gives event i a priority.
 */
async function wrkrEndToEnd(total, batch, options = {}, priority = () => 0) {
  const { wrkr, close } = await openWrkr(options);
  try {
    const c = counter(total);
    wrkr.on('completed', () => c.tick());
    await wrkr.subscribe('e2e', 'bench.e2e', async () => undefined, { concurrency: 100 });
    await sleep(200);
    const t0 = Date.now();
    for (let i = 0; i < total; i += batch) {
      await wrkr.publish(Array.from({ length: Math.min(batch, total - i) }, (_, k) => ({ name: 'bench.e2e', data: { i: i + k }, priority: priority(i + k) })));
    }
    const t1 = await within(c.done, 600_000, 'wrkr end-to-end');
    return (total * 1000) / (t1 - t0);
  } finally {
    await close();
  }
}

/**
 * Raw amqplib doing the same work: durable queue, persistent messages, confirms, prefetch 100, ack each.
 * `args` are the queue's arguments (`x-max-priority` for the broker's own cost of a priority queue).
 */
async function rawEndToEnd(total, batch, args = {}) {
  const conn = await amqp.connect(url);
  const queue = `bench.raw.${randomBytes(4).toString('hex')}`;
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await pub.assertQueue(queue, { durable: true, arguments: args });
    await sub.prefetch(100);
    const c = counter(total);
    await sub.consume(queue, (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString());
      sub.ack(msg);
      c.tick();
    });
    const t0 = Date.now();
    for (let i = 0; i < total; i += batch) {
      for (let k = 0; k < Math.min(batch, total - i); k++) {
        pub.sendToQueue(queue, Buffer.from(JSON.stringify({ i: i + k })), { persistent: true, messageId: `${i + k}`, contentType: 'application/json' });
      }
      await pub.waitForConfirms();
    }
    const t1 = await within(c.done, 600_000, 'raw end-to-end');
    await sub.close();
    await pub.deleteQueue(queue);
    return (total * 1000) / (t1 - t0);
  } finally {
    await conn.close();
  }
}

/**
 * Publish events due at `makeDues(now)` (epoch ms), `now` read once the client is started and
 * subscribed: starting a client (election, ladder) can take seconds on a loaded machine, and items
 * already due when published would measure that instead. Each one's lateness is handler start − due.
 */
async function lateness(makeDues) {
  const { wrkr, close } = await openWrkr();
  try {
    const late = [];
    let c;
    await wrkr.subscribe('late', 'bench.late', async (event) => {
      late.push(Date.now() - event.data.due);
      c.tick();
    }, { concurrency: 100 });
    const dues = makeDues(Date.now());
    c = counter(dues.length);
    for (let i = 0; i < dues.length; i += 1000) {
      await wrkr.publish(dues.slice(i, i + 1000).map((due) => ({ name: 'bench.late', data: { due }, when: new Date(due) })));
    }
    await within(c.done, 120_000, 'wrkr delayed');
    return { ...latenessSummary(late), early: late.filter((l) => l < 0).length };
  } finally {
    await close();
  }
}

async function main() {
  if (enabled('e2e')) {
    const total = quick ? 10_000 : 100_000;
    console.log(`\n## end-to-end: ${fmt(total)} small events, published in batches of 1,000, handled with concurrency/prefetch 100, ack each`);
    const raw = await rawEndToEnd(total, 1000);
    console.log(`raw amqplib ${fmt(raw).padStart(8)} events/s`);
    const w = await wrkrEndToEnd(total, 1000);
    console.log(`wrkr        ${fmt(w).padStart(8)} events/s`);
    console.log(`ratio wrkr/raw ${(w / raw).toFixed(2)}   (target ≥ 0.90)`);
    results.add('end to end, prefetch 100, ack each', { unit: 'events/s', values: { wrkr: w, 'raw amqplib': raw }, target: '≥ 0.9× raw amqplib' });
  }
  if (enabled('priorities')) {
    // What priorities cost: wrkr declares classic queues with x-max-priority 9 by default; the same work
    // without (priorities: false), with mixed priorities, and the broker's own cost in raw amqplib.
    const total = quick ? 10_000 : 100_000;
    console.log(`\n## priorities: ${fmt(total)} events as end-to-end, queues with and without x-max-priority 9`);
    // Unmeasured: the first run of each kind in a process pays for connecting and warming up (JIT), which
    // would count against whichever variant runs first.
    await rawEndToEnd(2000, 1000);
    await wrkrEndToEnd(2000, 1000, { priorities: false });
    const raw = await rawEndToEnd(total, 1000);
    console.log(`raw amqplib, plain queue            ${fmt(raw).padStart(8)} events/s`);
    const rawPrio = await rawEndToEnd(total, 1000, { 'x-max-priority': 9 });
    console.log(`raw amqplib, x-max-priority 9       ${fmt(rawPrio).padStart(8)} events/s   (${(rawPrio / raw).toFixed(2)}× plain)`);
    const off = await wrkrEndToEnd(total, 1000, { priorities: false });
    console.log(`wrkr, priorities: false             ${fmt(off).padStart(8)} events/s   (${(off / raw).toFixed(2)}× raw plain)`);
    const on = await wrkrEndToEnd(total, 1000);
    console.log(`wrkr, priorities on, all 0          ${fmt(on).padStart(8)} events/s   (${(on / raw).toFixed(2)}× raw plain, ${(on / off).toFixed(2)}× off)`);
    const mixed = await wrkrEndToEnd(total, 1000, {}, (i) => i % 10);
    console.log(`wrkr, priorities on, 0–9 mixed      ${fmt(mixed).padStart(8)} events/s   (${(mixed / raw).toFixed(2)}× raw plain, ${(mixed / off).toFixed(2)}× off)`);
  }
  if (enabled('delayed')) {
    const n = quick ? 1000 : 5000;
    // Unmeasured: the first burst of each kind in a process pays for warming up (JIT) its code paths,
    // which counted against wrkr, measured first, while the raw references ran on amqplib code it had
    // already warmed up.
    await lateness((t) => Array.from({ length: 1000 }, () => t + 2000));
    await rawBurst(1000);
    await rawBurst(1000, true);
    const scenarios = [
      { title: `${fmt(n)} due at the same instant`, dues: (t) => Array.from({ length: n }, () => t + 3000), burst: n },
      { title: '500 spread over 3 s', dues: (t) => Array.from({ length: 500 }, (_, i) => t + 3000 + Math.round((i * 3000) / 500)) },
    ];
    for (const sc of scenarios) {
      const r = await lateness(sc.dues);
      console.log(`\n## delayed: ${sc.title} (concurrency 100), lateness ms (handler start − due)`);
      console.log(`wrkr p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  max ${fmt(r.max)}  early ${r.early}  (n=${r.n}; target p99 ≤ 100)`);
      if (!sc.burst) results.add(`${sc.title}: p99 lateness`, { unit: 'ms', better: 'lower', values: { wrkr: r.p99 }, target: '≤ 100 ms' });
      if (sc.burst) {
        const b = await rawBurst(sc.burst);
        console.log(`raw amqplib reference, ${fmt(sc.burst)} made ready at once (no delay): p50 ${fmt(b.p50)}  p99 ${fmt(b.p99)}  max ${fmt(b.max)}`);
        const like = await rawBurst(sc.burst, true);
        console.log(`raw amqplib doing the contract's broker work (x-max-priority 9, topic exchange, wrkr's properties): p50 ${fmt(like.p50)}  p99 ${fmt(like.p99)}  max ${fmt(like.max)}`);
        console.log(`ratio wrkr/raw p99 ${(r.p99 / b.p99).toFixed(2)}   (target ≤ 1.30);  wrkr/raw-like ${(r.p99 / like.p99).toFixed(2)};  raw-like/raw ${(like.p99 / b.p99).toFixed(2)} (the broker's cost of the contract)`);
        results.add(`${sc.title}: p99 lateness`, { unit: 'ms', better: 'lower', values: { wrkr: r.p99, 'raw amqplib, ready at once': b.p99, 'raw amqplib, same broker work': like.p99 }, target: '≤ 1.3× raw' });
      }
    }
  }
  results.write();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
