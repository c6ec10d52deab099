#!/usr/bin/env node
'use strict';
// `node bench/memory-ab.js <other checkout> [--rounds N] [--trace]`: the memory end-to-end bench of
// bench/memory.js (50,000 events, batches of 1000, best of 3 per process) run for this checkout and
// another one (built, with node_modules), each in processes of its own, alternating, N rounds (default
// 5) at concurrency 1 and 100. Prints the medians of wrkr's rate, fastq's rate in the same process,
// their ratio and wrkr's CPU µs per item (process.cpuUsage, load-robust), with `--trace` also with a
// tracer provider registered. For A/B of a change on a shared machine; state `uptime` beside the figures.
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { median, roundsArg } = require('./measure');
const { memoryRuns } = require('./memory-runs');

const N = 50_000;
const BATCH = 1000;
const BEST_OF = 3;

/** One process: `--one <root> <concurrency> [trace]`, prints one JSON line. */
async function one(root, concurrency, withTrace) {
  const { bare, wrkr } = memoryRuns(
    {
      fastq: require(path.join(root, 'node_modules', 'fastq')),
      Wrkr: require(path.join(root, 'node_modules', '@wrkr', 'core')).Wrkr,
      MemoryBackend: require(path.join(root, 'node_modules', '@wrkr', 'backend-memory')).MemoryBackend,
    },
    { events: N, batch: BATCH },
  );
  const rounds = async (fn) => {
    const out = [];
    for (let r = 0; r < BEST_OF; r++) {
      global.gc?.();
      out.push(await fn(concurrency));
    }
    return out;
  };
  const best = (xs) => Math.max(...xs.map((x) => x.rate));
  const b = await rounds(bare);
  const w = await rounds(wrkr);
  const out = { wrkr: best(w), bare: best(b), ratio: best(w) / best(b), cpuUs: median(w.map((x) => x.cpuUs)) };
  if (withTrace) {
    const { trace } = require(path.join(root, 'node_modules', '@opentelemetry', 'api'));
    const { BasicTracerProvider } = require(path.join(root, 'node_modules', '@opentelemetry', 'sdk-trace-base'));
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    const t = await rounds(wrkr);
    trace.disable();
    Object.assign(out, { traceOn: best(t), traceOnCpuUs: median(t.map((x) => x.cpuUs)) });
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function main() {
  const other = process.argv[2];
  if (!other || other.startsWith('--')) {
    process.stderr.write('usage: node bench/memory-ab.js <other checkout> [--rounds N] [--trace]\n');
    process.exit(2);
  }
  const checkouts = { other: path.resolve(other), this: path.resolve(__dirname, '..') };
  const rounds = roundsArg(5);
  const withTrace = process.argv.includes('--trace');
  const fields = ['wrkr', 'bare', 'ratio', 'cpuUs', ...(withTrace ? ['traceOn', 'traceOnCpuUs'] : [])];
  for (const c of [1, 100]) {
    const runs = { other: [], this: [] };
    for (let r = 0; r < rounds; r++) {
      for (const [name, root] of Object.entries(checkouts)) {
        const args = ['--expose-gc', __filename, '--one', root, String(c), ...(withTrace ? ['trace'] : [])];
        const p = spawnSync(process.execPath, args, { encoding: 'utf8' });
        if (p.status !== 0) throw new Error(`${name} failed: ${p.stderr}`);
        runs[name].push(JSON.parse(p.stdout));
      }
    }
    for (const [name, list] of Object.entries(runs)) {
      const cells = fields.map((f) => {
        const m = median(list.map((x) => x[f]));
        return `${f} ${f === 'ratio' ? m.toFixed(3) : f.endsWith('CpuUs') || f === 'cpuUs' ? m.toFixed(2) : Math.round(m).toLocaleString('en')}`;
      });
      process.stdout.write(`concurrency ${String(c).padStart(3)} ${name.padEnd(5)} (median of ${rounds}): ${cells.join(' | ')}\n`);
    }
  }
}

if (process.argv[2] === '--one') {
  one(process.argv[3], Number(process.argv[4]), process.argv[5] === 'trace').catch((err) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  });
} else main();
