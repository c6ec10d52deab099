'use strict';
/** The wrkr side of the bench: the public `Wrkr` API over `RedisBackend`. */
const { Redis } = require('ioredis');
const { Wrkr } = require('@wrkr/core');
const { RedisBackend } = require('@wrkr/backend-redis');
const { counter, within, sleep } = require('../../../bench/measure');
const { usedMemory } = require('./redis-memory');
const { namespace, destroy } = require('./namespace');

async function open(url, ns = namespace(), { lifecycle = true } = {}) {
  const backend = new RedisBackend({ url, namespace: ns });
  // Masking the capability off shows what lifecycle events cost (bench/cost.js --no-lifecycle).
  if (!lifecycle) Object.defineProperty(backend, 'capabilities', { value: Object.freeze({ ...backend.capabilities, lifecycleEvents: false }) });
  const wrkr = new Wrkr({ backend, worker: false, scheduler: false });
  await wrkr.start();
  return { wrkr, ns };
}

/** Publish `total` events in batches and handle them with `concurrency`; events/s from first publish to last ack. */
async function endToEnd(url, { total, batch, concurrency, lifecycle = true }) {
  const { wrkr, ns } = await open(url, undefined, { lifecycle });
  try {
    const c = counter(total);
    wrkr.on('completed', () => c.tick());
    await wrkr.subscribe('e2e', 'bench.e2e', async () => undefined, { concurrency });
    const t0 = Date.now();
    for (let i = 0; i < total; i += batch) {
      await wrkr.publish(Array.from({ length: Math.min(batch, total - i) }, (_, k) => ({ name: 'bench.e2e', data: { i: i + k } })));
    }
    const t1 = await within(c.done, 300_000, 'wrkr end-to-end');
    return (total * 1000) / (t1 - t0);
  } finally {
    await wrkr.stop({ timeout: '5s' });
    await destroy(url, ns);
  }
}

/** Publish events due at `dues` (epoch ms) and return each one's lateness (handler start − due). */
async function lateness(url, dues, { concurrency }) {
  const { wrkr, ns } = await open(url);
  try {
    const late = [];
    const c = counter(dues.length);
    await wrkr.subscribe('late', 'bench.late', async (event) => {
      late.push(Date.now() - event.data.due);
      c.tick();
    }, { concurrency });
    for (let i = 0; i < dues.length; i += 1000) {
      await wrkr.publish(dues.slice(i, i + 1000).map((due) => ({ name: 'bench.late', data: { due }, when: new Date(due) })));
    }
    await within(c.done, 120_000, 'wrkr delayed');
    return late;
  } finally {
    await wrkr.stop({ timeout: '5s' });
    await destroy(url, ns);
  }
}

/** Redis bytes per stored delayed event. */
async function bytesPerDelayed(url, n) {
  const { wrkr, ns } = await open(url);
  const redis = new Redis(url);
  try {
    const due = new Date(Date.now() + 3_600_000);
    await sleep(200);
    const before = await usedMemory(redis);
    for (let i = 0; i < n; i += 1000) {
      await wrkr.publish(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'bench.mem', data: { i: i + k }, when: due })));
    }
    const after = await usedMemory(redis);
    return (after - before) / n;
  } finally {
    redis.disconnect();
    await wrkr.stop({ timeout: '5s' });
    await destroy(url, ns);
  }
}

/**
 * Throughput of consuming `measure` items while `depth` more sit in the queue (kind 'ready') or in its
 * delayed set far in the future (kind 'delayed'): the median of `trials` runs. Items are loaded straight
 * through the backend; each trial subscribes, times `measure` completions, and unsubscribes.
 */
async function depthThroughput(url, { depth, measure, kind, concurrency, trials }) {
  const ns = namespace();
  const loader = new RedisBackend({ url, namespace: ns });
  await loader.start();
  const far = Date.now() + 86_400_000;
  const body = JSON.stringify({ x: 1 });
  const load = async (count, prefix, dueAt) => {
    for (let i = 0; i < count; i += 5000) {
      const items = [];
      for (let k = i; k < Math.min(count, i + 5000); k++) {
        items.push({ message: { id: `${prefix}${k}`, name: 'bench.depth', body, publishedAt: Date.now() }, ...(dueAt ? { dueAt } : {}) });
      }
      await loader.send('depth', items);
    }
  };
  try {
    if (kind === 'ready') {
      // Trials consume from the front; what stays behind them keeps the queue at least `depth` deep.
      await load(depth + trials * measure, 'r', 0);
    } else {
      // Each trial may take up to a few claims' worth beyond `measure` before its close drains; the
      // margin keeps the last trial from starving.
      await load(trials * (measure + concurrency * 4), 'm', 0);
      await load(depth, 'd', far);
    }
    const { wrkr } = await open(url, ns);
    const rates = [];
    try {
      for (let t = 0; t < trials; t++) {
        const c = counter(measure);
        const onCompleted = () => c.tick();
        wrkr.on('completed', onCompleted);
        const t0 = Date.now();
        const sub = await wrkr.subscribe('depth', null, async () => undefined, { concurrency });
        const t1 = await within(c.done, 300_000, 'wrkr depth');
        await sub.close();
        wrkr.off('completed', onCompleted);
        rates.push((measure * 1000) / (t1 - t0));
      }
    } finally {
      await wrkr.stop({ timeout: '5s' });
    }
    return rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  } finally {
    await loader.close();
    await destroy(url, ns);
  }
}

module.exports = { name: 'wrkr', endToEnd, lateness, bytesPerDelayed, depthThroughput };
