'use strict';
/** The bee-queue side of the bench (jobs removed on success, events off: its fastest setup). */
const { randomBytes } = require('node:crypto');
const { Redis } = require('ioredis');
const BeeQueue = require('bee-queue');
const { counter, within, sleep } = require('../../../bench/measure');
const { usedMemory } = require('./redis-memory');

function open(url, name, extra = {}) {
  const u = new URL(url);
  const queue = new BeeQueue(name, {
    prefix: `benchbee_${randomBytes(4).toString('hex')}`,
    redis: { host: u.hostname, port: Number(u.port || 6379), db: Number(u.pathname.slice(1) || 0) },
    removeOnSuccess: true,
    getEvents: false,
    sendEvents: false,
    ...extra,
  });
  return queue;
}

async function endToEnd(url, { total, batch, concurrency }) {
  const queue = open(url, 'e2e');
  const c = counter(total);
  queue.on('succeeded', () => c.tick());
  queue.process(concurrency, async () => undefined);
  try {
    await queue.ready();
    const t0 = Date.now();
    for (let i = 0; i < total; i += batch) {
      await queue.saveAll(Array.from({ length: Math.min(batch, total - i) }, (_, k) => queue.createJob({ i: i + k })));
    }
    const t1 = await within(c.done, 300_000, 'bee-queue end-to-end');
    return (total * 1000) / (t1 - t0);
  } finally {
    await queue.destroy();
    await queue.close();
  }
}

async function lateness(url, dues, { concurrency }) {
  const queue = open(url, 'late', { activateDelayedJobs: true });
  const late = [];
  const c = counter(dues.length);
  queue.process(concurrency, async (job) => {
    late.push(Date.now() - job.data.due);
    c.tick();
  });
  try {
    await queue.ready();
    for (let i = 0; i < dues.length; i += 1000) {
      await queue.saveAll(dues.slice(i, i + 1000).map((due) => queue.createJob({ due }).delayUntil(due)));
    }
    await within(c.done, 120_000, 'bee-queue delayed');
    return late;
  } finally {
    await queue.destroy();
    await queue.close();
  }
}

async function bytesPerDelayed(url, n) {
  const queue = open(url, 'mem', { isWorker: false });
  const redis = new Redis(url);
  try {
    await queue.ready();
    const due = Date.now() + 3_600_000;
    await queue.createJob({}).delayUntil(due).save();
    await sleep(200);
    const before = await usedMemory(redis);
    for (let i = 0; i < n; i += 1000) {
      await queue.saveAll(Array.from({ length: Math.min(1000, n - i) }, (_, k) => queue.createJob({ i: i + k }).delayUntil(due)));
    }
    const after = await usedMemory(redis);
    return (after - before) / n;
  } finally {
    redis.disconnect();
    await queue.destroy();
    await queue.close();
  }
}

module.exports = { name: 'bee-queue', endToEnd, lateness, bytesPerDelayed };
