'use strict';
/** The BullMQ side of the bench, configured like a production user would (completed jobs removed). */
const { randomBytes } = require('node:crypto');
const { Redis } = require('ioredis');
const { Queue, Worker } = require('bullmq');
const { counter, within, sleep } = require('../../../bench/measure');
const { usedMemory } = require('./redis-memory');

function connection(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0), maxRetriesPerRequest: null };
}

function prefix() {
  return `benchbull_${randomBytes(4).toString('hex')}`;
}

async function endToEnd(url, { total, batch, concurrency }) {
  const opts = { connection: connection(url), prefix: prefix() };
  const queue = new Queue('e2e', opts);
  const c = counter(total);
  const worker = new Worker('e2e', async () => undefined, { ...opts, concurrency, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } });
  worker.on('completed', () => c.tick());
  try {
    await worker.waitUntilReady();
    const t0 = Date.now();
    for (let i = 0; i < total; i += batch) {
      await queue.addBulk(Array.from({ length: Math.min(batch, total - i) }, (_, k) => ({ name: 'bench.e2e', data: { i: i + k } })));
    }
    const t1 = await within(c.done, 300_000, 'bullmq end-to-end');
    return (total * 1000) / (t1 - t0);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function lateness(url, dues, { concurrency }) {
  const opts = { connection: connection(url), prefix: prefix() };
  const queue = new Queue('late', opts);
  const late = [];
  const c = counter(dues.length);
  const worker = new Worker('late', async (job) => {
    late.push(Date.now() - job.data.due);
    c.tick();
  }, { ...opts, concurrency, removeOnComplete: { count: 0 } });
  try {
    await worker.waitUntilReady();
    for (let i = 0; i < dues.length; i += 1000) {
      const now = Date.now();
      await queue.addBulk(dues.slice(i, i + 1000).map((due) => ({ name: 'bench.late', data: { due }, opts: { delay: Math.max(0, due - now) } })));
    }
    await within(c.done, 120_000, 'bullmq delayed');
    return late;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function bytesPerDelayed(url, n) {
  const opts = { connection: connection(url), prefix: prefix() };
  const queue = new Queue('mem', opts);
  const redis = new Redis(url);
  try {
    await queue.waitUntilReady();
    // The queue's own bookkeeping keys exist before the first job, so they are not counted.
    await queue.add('warmup', {}, { delay: 3_600_000 });
    await sleep(200);
    const before = await usedMemory(redis);
    for (let i = 0; i < n; i += 1000) {
      await queue.addBulk(Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'bench.mem', data: { i: i + k }, opts: { delay: 3_600_000 } })));
    }
    const after = await usedMemory(redis);
    return (after - before) / n;
  } finally {
    redis.disconnect();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

module.exports = { name: 'bullmq', endToEnd, lateness, bytesPerDelayed };
