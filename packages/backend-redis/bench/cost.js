#!/usr/bin/env node
'use strict';
/**
 * Where the time of one end-to-end job goes, per system, in figures that a loaded machine moves little:
 * Redis server CPU µs per job (INFO cpu, main thread), script time µs per job (EVALSHA/EVAL usec in
 * INFO commandstats), client CPU µs per job (process.cpuUsage of this process) and, with `--commands`,
 * the commands a client sends per job (a separate, untimed pass under MONITOR, which marks commands run
 * inside scripts as `lua`; a pipeline's or transaction's commands count one each). Rounds alternate the
 * systems; medians are printed. Throughput is printed too, but on a shared machine trust the others.
 *
 *   npm run build && node packages/backend-redis/bench/cost.js [--rounds 5] [--concurrency 100] [--total 10000]
 *     [--systems wrkr,wrkr-quiet,bullmq,bee-queue,list-queue] [--commands]
 *
 * Client profile of one system: `node --cpu-prof --cpu-prof-dir=/tmp/prof packages/backend-redis/bench/cost.js
 * --systems wrkr --rounds 1`. `wrkr-quiet` is wrkr with its lifecycle events masked off, to see their
 * share. The counts include each system's setup and teardown (a few commands per run).
 */
const { Redis } = require('ioredis');
const { fmt, median, alternatingRounds, roundsArg } = require('../../../bench/measure');

const all = Object.fromEntries([require('./wrkr'), require('./bullmq'), require('./bee-queue'), require('./list-queue')].map((s) => [s.name, s]));
// Wrkr with its lifecycle events masked off, to see their share in the same run.
all['wrkr-quiet'] = { name: 'wrkr-quiet', endToEnd: (u, o) => all.wrkr.endToEnd(u, { ...o, lifecycle: false }) };
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const rounds = roundsArg(3);
const concurrency = Number(arg('--concurrency', 100));
const total = Number(arg('--total', 10_000));
const names = arg('--systems', 'wrkr,bullmq,bee-queue,list-queue').split(',');

/** INFO sections as numbers: the server's main-thread CPU seconds and script usec so far. */
async function serverCounters(admin) {
  const cpu = await admin.info('cpu');
  const stats = await admin.info('commandstats');
  const num = (text, re) => Number(re.exec(text)?.[1] ?? 0);
  return {
    cpu: num(cpu, /used_cpu_user_main_thread:([\d.]+)/) + num(cpu, /used_cpu_sys_main_thread:([\d.]+)/),
    script: num(stats, /cmdstat_evalsha:calls=\d+,usec=(\d+)/) + num(stats, /cmdstat_eval:calls=\d+,usec=(\d+)/),
  };
}

async function timedRound(admin, name) {
  const s0 = await serverCounters(admin);
  const c0 = process.cpuUsage();
  const rate = await all[name].endToEnd(url, { total, batch: 1000, concurrency });
  const c1 = process.cpuUsage(c0);
  const s1 = await serverCounters(admin);
  return {
    rate,
    clientUs: (c1.user + c1.system) / total,
    serverUs: ((s1.cpu - s0.cpu) * 1e6) / total,
    scriptUs: (s1.script - s0.script) / total,
  };
}

/** Commands sent per job by clients (not from inside scripts), counted under MONITOR. */
async function commandsPerJob(name) {
  const monitor = await new Redis(url).monitor();
  const byCommand = new Map();
  let sent = 0;
  monitor.on('monitor', (_time, args, source) => {
    if (source === 'lua') return;
    sent++;
    const cmd = String(args[0]).toLowerCase();
    byCommand.set(cmd, (byCommand.get(cmd) ?? 0) + 1);
  });
  await all[name].endToEnd(url, { total, batch: 1000, concurrency });
  await new Promise((r) => setTimeout(r, 200));
  monitor.disconnect();
  const top = [...byCommand].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c} ${(n / total).toFixed(2)}`);
  return { perJob: sent / total, top };
}

async function main() {
  const admin = new Redis(url);
  console.log(`# redis cost per job — ${new Date().toISOString()} — ${fmt(total)} jobs, concurrency ${concurrency}, median of ${rounds} — node ${process.version}`);
  const results = await alternatingRounds(names, rounds, (name) => timedRound(admin, name));
  console.log(`${'system'.padEnd(11)} ${'jobs/s'.padStart(8)} ${'server CPU µs/job'.padStart(18)} ${'script µs/job'.padStart(14)} ${'client CPU µs/job'.padStart(18)}`);
  for (const name of names) {
    const m = (key) => median(results[name].map((r) => r[key]));
    console.log(`${name.padEnd(11)} ${fmt(m('rate')).padStart(8)} ${m('serverUs').toFixed(1).padStart(18)} ${m('scriptUs').toFixed(1).padStart(14)} ${m('clientUs').toFixed(1).padStart(18)}`);
  }
  if (argv.includes('--commands')) {
    console.log('\ncommands sent per job (untimed pass under MONITOR):');
    for (const name of names) {
      const { perJob, top } = await commandsPerJob(name);
      console.log(`${name.padEnd(11)} ${perJob.toFixed(2).padStart(6)}   ${top.join(', ')}`);
    }
  }
  admin.disconnect();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
