'use strict';
/**
 * A/B of the mongodb end-to-end and due-at-once scenarios: this tree's build against another checkout's
 * build (`--base <repo root>`, e.g. `git worktree add /tmp/mongo-base <commit>` then `npx tsc -b` there),
 * in alternating rounds on the same server, with round trips, client CPU and FerretDB CPU per job.
 *   node packages/backend-mongodb/bench/ab.js --base /tmp/mongo-base [--scenario e2e|late] [--concurrency 50] [--jobs 2000] [--rounds 5]
 */
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { counter, within, median, alternatingRounds, roundsArg, latenessSummary } = require('../../../bench/measure');
const { Probe, describe } = require('./probe');

const URL_ = process.env.WRKR_MONGO_URL ?? 'mongodb://127.0.0.1:27017';
const DB = 'wrkr_bench';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
}

const base = arg('base');
if (base === undefined) throw new Error('--base <repo root of the build to compare with> is required');
const scenario = arg('scenario', 'e2e');
const concurrency = Number(arg('concurrency', 50));
const jobs = Number(arg('jobs', scenario === 'late' ? 1000 : 2000));
const rounds = roundsArg(5);

/** `@wrkr/core` and `@wrkr/backend-mongodb` as built in the repo at `root`. */
function load(root) {
  const { Wrkr } = require(path.join(root, 'node_modules/@wrkr/core'));
  const { MongoBackend, dropNamespace } = require(path.join(root, 'node_modules/@wrkr/backend-mongodb'));
  // The backend checks `client instanceof MongoClient` against its own copy of the driver.
  const { MongoClient } = require(path.join(root, 'node_modules/mongodb'));
  return { Wrkr, MongoBackend, dropNamespace, MongoClient };
}

const builds = { before: load(path.resolve(base)), after: load(path.resolve(__dirname, '../../..')) };

async function round(build) {
  const { Wrkr, MongoBackend, dropNamespace, client, probe } = builds[build];
  const namespace = `ab_${randomBytes(4).toString('hex')}`;
  const wrkr = new Wrkr({ backend: new MongoBackend({ client, dbName: DB, namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    const c = counter(jobs);
    const late = [];
    probe.start();
    const t0 = Date.now();
    if (scenario === 'late') {
      await wrkr.subscribe('late', 'bench.late', async (event) => {
        late.push(Date.now() - event.data.due);
        c.tick();
      }, { concurrency });
      const due = Date.now() + 3_000;
      await wrkr.publish(Array.from({ length: jobs }, () => ({ name: 'bench.late', data: { due }, when: new Date(due) })));
    } else {
      await wrkr.subscribe('e2e', 'bench.e2e', async () => c.tick(), { concurrency });
      for (let i = 0; i < jobs; i += 500) await wrkr.publish(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: 'bench.e2e', data: { i: i + k } })));
    }
    const t1 = await within(c.done, 1_800_000, `${build} ${scenario}`);
    const p = probe.stop(jobs);
    const figure = scenario === 'late' ? latenessSummary(late).p99 : (jobs * 1000) / (t1 - t0);
    // The first start's lateness is the routing's share (the first batch); the rest is consumption.
    const late_ = scenario === 'late' ? `p99 lateness ${figure} ms (first ${Math.min(...late)} ms, p50 ${latenessSummary(late).p50} ms)` : `${figure.toFixed(0)} jobs/s`;
    process.stdout.write(`${build.padEnd(6)} ${late_}; ${describe(p)}\n`);
    return { figure, ...p };
  } finally {
    await wrkr.stop({ timeout: '5s' });
    await dropNamespace(client.db(DB), namespace);
  }
}

async function main() {
  for (const b of Object.values(builds)) {
    b.client = await new b.MongoClient(URL_, { monitorCommands: true }).connect();
    b.probe = new Probe(b.client);
  }
  process.stdout.write(`${scenario}, ${jobs} jobs, concurrency ${concurrency}, ${rounds} alternating rounds; ${require('node:os').loadavg().map((l) => l.toFixed(1)).join(' ')} load\n`);
  try {
    const res = await alternatingRounds(['before', 'after'], rounds, round);
    for (const [build, rs] of Object.entries(res)) {
      const m = (f) => median(rs.map(f));
      const unit = scenario === 'late' ? 'ms p99 lateness' : 'jobs/s';
      process.stdout.write(`median ${build.padEnd(6)}: ${m((r) => r.figure).toFixed(0)} ${unit}, ${m((r) => r.roundTrips).toFixed(2)} round trips, client CPU ${m((r) => r.clientCpuMs).toFixed(2)} ms, FerretDB CPU ${m((r) => r.serverCpuMs ?? NaN).toFixed(2)} ms per job\n`);
    }
    process.stdout.write(`load average after: ${require('node:os').loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  } finally {
    for (const b of Object.values(builds)) await b.client.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
