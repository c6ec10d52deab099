'use strict';
// One run of each side of the memory bench: bare fastq doing a no-op per item, and wrkr on the memory
// backend doing the same through publish → handle → ack. The modules come from the caller, so that
// bench/memory-ab.js can run another checkout's build through the same code.

/** `{ bare, wrkr }`, each `(concurrency) → { rate, cpuUs }` for `events` items (wrkr publishes in batches of `batch`). */
function memoryRuns({ fastq, Wrkr, MemoryBackend }, { events, batch }) {
  const bare = async (concurrency) => {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let done = 0;
    await new Promise((resolve) => {
      const q = fastq.promise(async () => {
        if (++done === events) resolve();
      }, concurrency);
      for (let i = 0; i < events; i++) void q.push({ name: 'bench.item', data: i });
    });
    return finished(t0, cpu0, events);
  };
  const wrkr = async (concurrency) => {
    const w = new Wrkr({ backend: new MemoryBackend(), worker: false, scheduler: false });
    await w.start();
    let done = 0;
    let finish;
    const all = new Promise((resolve) => (finish = resolve));
    await w.subscribe('bench', 'bench.#', async () => {
      if (++done === events) finish();
    }, { concurrency });
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < events; i += batch) {
      await w.publish(Array.from({ length: Math.min(batch, events - i) }, (_, j) => ({ name: 'bench.item', data: i + j })));
    }
    await all;
    const out = finished(t0, cpu0, events);
    await w.stop();
    return out;
  };
  return { bare, wrkr };
}

function finished(t0, cpu0, events) {
  const rate = events / (Number(process.hrtime.bigint() - t0) / 1e9);
  const cpu = process.cpuUsage(cpu0);
  return { rate, cpuUs: (cpu.user + cpu.system) / events };
}

module.exports = { memoryRuns };
