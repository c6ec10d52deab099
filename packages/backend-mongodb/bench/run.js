'use strict';
/**
 * `npm run bench -- mongodb` (after `npm run build`): wrkr on MongoBackend beside Agenda 6
 * (@agendajs/mongo-backend) on the same server (WRKR_MONGO_URL, default the local FerretDB on 27017).
 *   - end to end: 10,000 small jobs at concurrency 1 and 50 (first enqueue → last handler done)
 *   - lateness: 1,000 jobs due at one instant, handler start − due (p50/p99/max)
 *   - depth: wrkr throughput with 10,000 vs BENCH_DEPTH (default 100,000) items present
 * Each wrkr scenario also prints what a job cost: backend round trips (by command), client CPU and, when
 * FerretDB runs on this machine, the server's CPU (bench/probe.js).
 * Env: BENCH_JOBS (10000), BENCH_LATE (1000), BENCH_DEPTH (100000), BENCH_SKIP_AGENDA=1.
 */
const { randomBytes } = require('node:crypto');
const { MongoClient } = require('mongodb');
const { Wrkr } = require('@wrkr/core');
const { MongoBackend, dropNamespace } = require('@wrkr/backend-mongodb');
const { latenessSummary, counter, within, sleep } = require('../../../bench/measure');
const results = require('../../../bench/results').benchResults('mongodb');
const { Probe, describe } = require('./probe');

const URL_ = process.env.WRKR_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const DB = 'wrkr_bench';
const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const LATE = Number(process.env.BENCH_LATE ?? 1_000);
const DEPTH = Number(process.env.BENCH_DEPTH ?? 100_000);
// Agenda on FerretDB v1 can take hours for 10,000 jobs; each Agenda scenario stops after this budget and
// reports the rate of what it finished.
const AGENDA_BUDGET_MS = Number(process.env.BENCH_AGENDA_BUDGET_MS ?? 120_000);

const ns = () => `bench_${randomBytes(4).toString('hex')}`;

function summary(v) {
  const { p50, p99, max, n } = latenessSummary(v);
  return `p50 ${p50} ms, p99 ${p99} ms, max ${max} ms (n=${n})`;
}

/** Runs `fn` on a fresh namespace; its client's commands and the CPU are counted by `fn`'s `probe`. */
async function withWrkr(admin, fn) {
  const namespace = ns();
  const client = await new MongoClient(URL_, { monitorCommands: true }).connect();
  const probe = new Probe(client);
  const wrkr = new Wrkr({ backend: new MongoBackend({ client, dbName: DB, namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    return await fn(wrkr, namespace, probe);
  } finally {
    await wrkr.stop({ timeout: '5s' });
    await client.close();
    await dropNamespace(admin.db(DB), namespace);
  }
}

function printCost(what, cost) {
  process.stdout.write(`  ${what} ${describe(cost)}\n`);
}

async function wrkrEndToEnd(admin, concurrency) {
  return withWrkr(admin, async (wrkr, _namespace, probe) => {
    const c = counter(JOBS);
    wrkr.on('completed', () => c.tick());
    await wrkr.subscribe('e2e', 'bench.e2e', async () => undefined, { concurrency });
    probe.start();
    const t0 = Date.now();
    for (let i = 0; i < JOBS; i += 500) await wrkr.publish(Array.from({ length: Math.min(500, JOBS - i) }, (_, k) => ({ name: 'bench.e2e', data: { i: i + k } })));
    const t1 = await within(c.done, 1_800_000, 'wrkr end-to-end');
    printCost(`end-to-end concurrency ${concurrency}`, probe.stop(JOBS));
    return (JOBS * 1000) / (t1 - t0);
  });
}

async function wrkrLateness(admin) {
  return withWrkr(admin, async (wrkr, _namespace, probe) => {
    const late = [];
    const c = counter(LATE);
    await wrkr.subscribe('late', 'bench.late', async (event) => {
      late.push(Date.now() - event.data.due);
      c.tick();
    }, { concurrency: 50 });
    const due = Date.now() + 5_000;
    probe.start();
    await wrkr.publish(Array.from({ length: LATE }, () => ({ name: 'bench.late', data: { due }, when: new Date(due) })));
    await within(c.done, 600_000, 'wrkr lateness');
    printCost('lateness', probe.stop(LATE));
    return late;
  });
}

/** Throughput (jobs/s) consuming `sample` items from a queue that holds `depth` items. */
async function wrkrDepth(admin, depth, sample) {
  return withWrkr(admin, async (wrkr, namespace, probe) => {
    const filler = new MongoBackend({ url: URL_, dbName: DB, namespace });
    await filler.start();
    const t = Date.now();
    for (let i = 0; i < depth; i += 5000) {
      await filler.send('depth', Array.from({ length: Math.min(5000, depth - i) }, (_, k) => ({ message: { id: `d${String(i + k).padStart(8, '0')}`, name: 'bench.depth', body: '{"i":1}', publishedAt: Date.now() } })));
    }
    process.stdout.write(`  (filled ${depth} items in ${Date.now() - t} ms)\n`);
    await filler.close();
    const c = counter(sample);
    wrkr.on('completed', () => c.tick());
    probe.start();
    const t0 = Date.now();
    await wrkr.subscribe('depth', 'bench.depth', async () => undefined, { concurrency: 50 });
    const t1 = await within(c.done, 1_800_000, `wrkr depth ${depth}`);
    printCost(`depth ${depth}`, probe.stop(sample));
    return (sample * 1000) / (t1 - t0);
  });
}

/** FerretDB's SQLite refuses a write while another connection holds the lock; Agenda does not retry, so the bench does. */
async function retryBusy(fn) {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!String(err?.message).includes('SQLITE_BUSY')) throw err;
      await sleep(20);
    }
  }
}

async function withAgenda(admin, concurrency, fn) {
  const { Agenda } = await import('agenda');
  const { MongoBackend: AgendaMongo } = await import('@agendajs/mongo-backend');
  const collection = `agenda_${randomBytes(4).toString('hex')}`;
  const agenda = new Agenda({ backend: new AgendaMongo({ mongo: admin.db(DB), collection }), processEvery: 100, maxConcurrency: 50, defaultConcurrency: concurrency, defaultLockLimit: 0, lockLimit: 0 });
  // Agenda's own lock and save failures (SQLITE_BUSY on FerretDB) arrive as 'error' events; count, do not crash.
  let errors = 0;
  agenda.on('error', () => errors++);
  try {
    return { ...(await fn(agenda)), errors };
  } finally {
    await agenda.stop().catch(() => undefined);
    await admin.db(DB).collection(collection).drop().catch(() => undefined);
  }
}

async function agendaEndToEnd(admin, concurrency) {
  return withAgenda(admin, concurrency, async (agenda) => {
    const c = counter(JOBS);
    agenda.define('e2e', async () => { c.tick(); }, { concurrency });
    await agenda.start();
    // The budget covers enqueueing too: on FerretDB v1 Agenda enqueues only a few jobs per second.
    const t0 = Date.now();
    const end = t0 + AGENDA_BUDGET_MS;
    let queued = 0;
    while (queued < JOBS && Date.now() < end) {
      const n = Math.min(100, JOBS - queued);
      await Promise.all(Array.from({ length: n }, (_, k) => retryBusy(() => agenda.now('e2e', { i: queued + k }))));
      queued += n;
    }
    const t1 = await Promise.race([c.done, sleep(Math.max(0, end - Date.now())).then(() => Date.now())]);
    return { rate: (c.seen * 1000) / (t1 - t0), done: c.seen, queued };
  });
}

async function agendaLateness(admin) {
  return withAgenda(admin, 50, async (agenda) => {
    const late = [];
    let queued = 0;
    let enqueued = false;
    let allRan;
    const ran = new Promise((r) => (allRan = r));
    agenda.define('late', async (job) => {
      late.push(Date.now() - job.attrs.data.due);
      if (enqueued && late.length === queued) allRan();
    }, { concurrency: 50 });
    await agenda.start();
    // Whatever Agenda manages to enqueue within the budget is due together right after it.
    const due = Date.now() + AGENDA_BUDGET_MS + 5_000;
    while (queued < LATE && Date.now() < due - 5_000) {
      const n = Math.min(100, LATE - queued);
      await Promise.all(Array.from({ length: n }, () => retryBusy(() => agenda.schedule(new Date(due), 'late', { due }))));
      queued += n;
    }
    enqueued = true;
    await Promise.race([ran, sleep(due - Date.now() + AGENDA_BUDGET_MS)]);
    return { late, queued };
  });
}

async function main() {
  const admin = await new MongoClient(URL_).connect();
  const info = await admin.db('admin').command({ buildInfo: 1 });
  process.stdout.write(`server: ${info.ferretdbVersion ? `FerretDB ${info.ferretdbVersion}` : `MongoDB ${info.version}`} at ${URL_}; ${JOBS} jobs, ${LATE} due at once, depth ${DEPTH}\n`);
  const skipAgenda = process.env.BENCH_SKIP_AGENDA === '1';
  try {
    for (const concurrency of [1, 50]) {
      const w = await wrkrEndToEnd(admin, concurrency);
      process.stdout.write(`wrkr   end-to-end concurrency ${concurrency}: ${w.toFixed(0)} jobs/s\n`);
      const values = { wrkr: w };
      if (!skipAgenda) {
        const a = await agendaEndToEnd(admin, concurrency);
        const partial = a.done < JOBS ? ` (${a.queued} enqueued and ${a.done} done of ${JOBS} within ${AGENDA_BUDGET_MS / 1000} s; ${a.errors} Agenda errors)` : '';
        process.stdout.write(`agenda end-to-end concurrency ${concurrency}: ${a.rate.toFixed(1)} jobs/s${partial}  → wrkr/agenda ${(w / a.rate).toFixed(1)}× (target ≥ 5×)\n`);
        values.agenda = a.rate;
      }
      results.add(`end to end, concurrency ${concurrency}`, { unit: 'jobs/s', values, target: concurrency === 1 ? '≥ 150 jobs/s' : '≥ 1,000 jobs/s' });
    }
    const wLate = await wrkrLateness(admin);
    process.stdout.write(`wrkr   lateness (${LATE} due at once): ${summary(wLate)} (target p99 ≤ 500 ms)\n`);
    const lateValues = { wrkr: latenessSummary(wLate).p99 };
    if (!skipAgenda) {
      const { late, queued, errors } = await agendaLateness(admin);
      const partial = queued < LATE ? ` — only ${queued} of ${LATE} could be enqueued within ${AGENDA_BUDGET_MS / 1000} s` : '';
      const missing = late.length < queued ? `, ${queued - late.length} had not run ${AGENDA_BUDGET_MS / 1000} s after their due time` : '';
      const errorNote = errors > 0 ? ` (${errors} Agenda errors)` : '';
      process.stdout.write(`agenda lateness (${queued} due at once): ${late.length ? summary(late) : 'none ran'}${partial}${missing}${errorNote}\n`);
      if (late.length > 0) lateValues.agenda = latenessSummary(late).p99;
    }
    results.add(`${LATE} due at once: p99 lateness`, { unit: 'ms', better: 'lower', values: lateValues, target: '≤ 500 ms' });
    const sample = 2_000;
    const shallow = await wrkrDepth(admin, 10_000, sample);
    const deep = await wrkrDepth(admin, DEPTH, sample);
    process.stdout.write(`wrkr   depth: ${shallow.toFixed(0)} jobs/s with 10,000 present, ${deep.toFixed(0)} jobs/s with ${DEPTH} present → ratio ${(deep / shallow).toFixed(2)} (target ≥ 0.7)\n`);
    results.add('depth', { unit: 'jobs/s', values: { 'wrkr, 10,000 present': shallow, [`wrkr, ${DEPTH.toLocaleString('en-US')} present`]: deep }, target: '≥ 0.7 of the shallow figure' });
    results.write();
  } finally {
    await admin.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
