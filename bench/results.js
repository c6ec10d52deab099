'use strict';
/**
 * The figures of one bench run as JSON, beside what it printed: `bench/results/<date>-<backend>.json`
 * (one file per backend and day; a later run that day replaces it), read by `bench/chart.js`. Each
 * scenario holds wrkr's value and each peer's, measured in the same run. BENCH_RESULTS=0 writes nothing
 * (quick or exploratory runs).
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIR = path.join(__dirname, 'results');

/** A recorder for `backend`'s run; `add` each scenario, then `write` once at the end. */
function benchResults(backend) {
  const scenarios = [];
  return {
    /**
     * One scenario: `values` maps each system (wrkr first) to its figure in `unit`; `better` says which
     * way is better ('higher' for rates, 'lower' for latencies and bytes); `target` optionally states
     * the goal as text.
     */
    add(scenario, { unit, better = 'higher', values, target }) {
      const clean = Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v)).map(([k, v]) => [k, Math.round(v * 100) / 100]));
      scenarios.push({ scenario, unit, better, values: clean, ...(target !== undefined && { target }) });
    },
    /** Write the file (unless BENCH_RESULTS=0) and return its path. */
    write() {
      if (process.env.BENCH_RESULTS === '0' || scenarios.length === 0) return undefined;
      fs.mkdirSync(DIR, { recursive: true });
      const date = new Date().toISOString().slice(0, 10);
      const file = path.join(DIR, `${date}-${backend}.json`);
      const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
      fs.writeFileSync(file, `${JSON.stringify({ backend, at: new Date().toISOString(), machine, scenarios }, null, 2)}\n`);
      process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
      return file;
    },
  };
}

module.exports = { benchResults, RESULTS_DIR: DIR };
