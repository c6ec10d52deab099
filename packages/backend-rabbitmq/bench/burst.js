#!/usr/bin/env node
'use strict';
/**
 * The 5,000-item burst taken apart (issue 15): wrkr's delayed burst (5,000 due at one instant) and ready
 * burst (5,000 published in one call) beside raw amqplib references that add the broker work of wrkr's
 * contract one piece at a time. Each variant runs in a fresh process (none warms the others' code up),
 * variants alternate within a round, and the summary gives per-round p99 ratios to the plain raw
 * reference, medians over the rounds, with the load average of each round. Not part of the tests.
 *
 *   npx tsc -b && node packages/backend-rabbitmq/bench/burst.js [--rounds 5] [--only raw,raw-like,wrkr-delayed] [--before <dir>]
 *
 * --before <dir>: a copy of an older build of this package (a directory holding its package.json and
 * dist/, inside the repository so that it resolves @wrkr/core and amqplib) whose wrkr variants run
 * beside the current ones, as `before:…`.
 *
 * Variants:
 *   raw              durable queue, persistent messages, confirms, prefetch 100, ack each (bench/run.js's reference)
 *   raw-like         + x-max-priority 9, published through a topic exchange, with wrkr's properties
 *   raw-carriers     raw-like + 5,000 persistent carriers held on another channel, acked one by one once
 *                    the burst is confirmed (the coordinator's carrier acks)
 *   raw-carriers-1   the same with one multiple ack for all carriers
 *   wrkr-delayed     5,000 events due at one instant (lateness = handler start − due)
 *   wrkr-ready       5,000 events published in one call (lateness = handler start − publish call)
 */
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { rawBurst } = require('./raw-burst');

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const N = 5000;
const ALL = ['raw', 'raw-like', 'raw-carriers', 'raw-carriers-1', 'wrkr-delayed', 'wrkr-ready'];

function summary(late, cpu) {
  late.sort((a, b) => a - b);
  const p = (q) => late[Math.min(late.length - 1, Math.floor(q * late.length))];
  return { p50: p(0.5), p99: p(0.99), cpuUs: Math.round((cpu.user + cpu.system) / N) };
}

async function raw(variant) {
  const carriers = { 'raw-carriers': 'each', 'raw-carriers-1': 'one' }[variant];
  const { late, cpu } = await rawBurst(url, N, { like: variant !== 'raw', carriers });
  return summary(late, cpu);
}

async function wrkr(variant, pkg) {
  const { Wrkr } = require('@wrkr/core');
  const { RabbitMqBackend } = require(pkg);
  const namespace = `bench_${randomBytes(4).toString('hex')}`;
  const w = new Wrkr({ backend: new RabbitMqBackend({ url, namespace }), worker: false, scheduler: false });
  await w.start();
  try {
    const late = [];
    let done;
    const finished = new Promise((r) => (done = r));
    let t0 = 0;
    await w.subscribe('late', 'bench.late', async () => {
      late.push(Date.now() - t0);
      if (late.length === N) done();
    }, { concurrency: 100 });
    await new Promise((r) => setTimeout(r, 300));
    let cpu0;
    if (variant === 'wrkr-delayed') {
      t0 = Date.now() + 3000;
      for (let i = 0; i < N; i += 1000) await w.publish(Array.from({ length: 1000 }, () => ({ name: 'bench.late', data: {}, when: new Date(t0) })));
      await new Promise((r) => setTimeout(r, t0 - Date.now() - 50));
      cpu0 = process.cpuUsage();
    } else {
      cpu0 = process.cpuUsage();
      t0 = Date.now();
      await w.publish(Array.from({ length: N }, () => ({ name: 'bench.late', data: {} })));
    }
    await finished;
    return summary(late, process.cpuUsage(cpu0));
  } finally {
    await w.stop({ timeout: '5s' });
    const cleanup = new RabbitMqBackend({ url, namespace });
    await cleanup.start();
    await cleanup.destroy();
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function parent() {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const rounds = Number(opt('--rounds') ?? 5);
  const only = opt('--only')?.split(',') ?? ALL;
  const before = opt('--before');
  const current = path.join(__dirname, '..');
  const runs = only.flatMap((v) => (v.startsWith('wrkr') && before ? [[`before:${v}`, v, path.resolve(before)], [v, v, current]] : [[v, v, current]]));
  const table = new Map(runs.map(([label]) => [label, []]));
  const loads = [];
  for (let r = 0; r < rounds; r++) {
    loads.push(os.loadavg()[0].toFixed(1));
    const round = {};
    for (const [label, variant, pkg] of runs) {
      try {
        round[label] = JSON.parse(execFileSync(process.execPath, [__filename, '--child', variant, pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
      } catch {
        process.stdout.write(`${label}: run failed\n`);
      }
    }
    for (const [label, res] of Object.entries(round)) table.get(label).push({ ...res, ratio: round.raw ? res.p99 / round.raw.p99 : undefined });
    process.stdout.write(`round ${r + 1} (load ${loads[r]}): ${Object.entries(round).map(([l, x]) => `${l} ${x.p99}`).join(', ')} ms p99\n`);
  }
  process.stdout.write(`\n${N} items, ${rounds} rounds, load average (1 min) per round ${loads.join(' ')}; medians:\n`);
  for (const [label, res] of table) {
    if (res.length === 0) continue;
    const ratios = res.map((x) => x.ratio).filter((x) => x !== undefined);
    const ratio = ratios.length > 0 ? `  p99/raw ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(', ')})` : '';
    process.stdout.write(`${label.padEnd(22)} p50 ${String(median(res.map((x) => x.p50))).padStart(5)}  p99 ${String(median(res.map((x) => x.p99))).padStart(5)} ms  client CPU ${median(res.map((x) => x.cpuUs))} µs/item${ratio}\n`);
  }
}

if (process.argv[2] === '--child') {
  const [variant, pkg] = process.argv.slice(3);
  (variant.startsWith('raw') ? raw(variant) : wrkr(variant, pkg)).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
} else {
  parent();
}
