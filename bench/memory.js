'use strict';
// publish → handle → ack through the memory backend, against fastq (a bare in-process async queue)
// doing the same no-op work in the same run. Target: wrkr ≥ 25% of the bare baseline. Then the same
// wrkr run with an OpenTelemetry tracer provider registered: the main figure has @opentelemetry/api
// installed and no provider (tracing off: one check per publish and per delivery), this one what
// tracing costs when on (spans made and ended, none exported).
const fastq = require('fastq');
const { Wrkr } = require('@wrkr/core');
const { MemoryBackend } = require('@wrkr/backend-memory');
const { trace } = require('@opentelemetry/api');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
const { benchResults } = require('./results');
const { memoryRuns } = require('./memory-runs');

const N = Number(process.env.BENCH_EVENTS ?? 50_000);
const BATCH = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const { bare, wrkr } = memoryRuns({ fastq, Wrkr, MemoryBackend }, { events: N, batch: BATCH });

async function best(fn, concurrency) {
  let top = 0;
  for (let r = 0; r < ROUNDS; r++) {
    global.gc?.();
    top = Math.max(top, (await fn(concurrency)).rate);
  }
  return top;
}

(async () => {
  process.stdout.write(`${N} events, publish in batches of ${BATCH}, best of ${ROUNDS} rounds\n`);
  const results = benchResults('memory');
  const off = {};
  for (const c of [1, 100]) {
    const b = await best(bare, c);
    const w = await best(wrkr, c);
    off[c] = w;
    results.add(`end to end, concurrency ${c}`, { unit: 'events/s', values: { wrkr: w, 'bare fastq': b }, target: '≥ 0.40 of fastq' });
    process.stdout.write(
      `concurrency ${String(c).padStart(3)}: wrkr/memory ${Math.round(w).toLocaleString('en')} ev/s | bare fastq ${Math.round(b).toLocaleString('en')} ev/s | ratio ${(w / b).toFixed(3)} (target ≥ 0.40)\n`,
    );
  }
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  for (const c of [1, 100]) {
    const w = await best(wrkr, c);
    process.stdout.write(`concurrency ${String(c).padStart(3)}: with a tracer provider registered ${Math.round(w).toLocaleString('en')} ev/s | ${(w / off[c]).toFixed(3)} of tracing off\n`);
    results.add(`tracing on vs off, concurrency ${c}`, { unit: 'events/s', values: { 'wrkr, tracing on': w, 'wrkr, tracing off': off[c] } });
  }
  trace.disable();
  results.write();
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
