'use strict';
/**
 * The simplest reliable list queue on bare ioredis, as a floor for what any Redis queue can do: the
 * producer LPUSHes each batch in one command; each of `concurrency` workers holds its own connection
 * and BLMOVEs one item from the ready list to its processing list (so a crashed worker's item stays
 * recoverable), runs the no-op handler, then LREMs it. No ids, retries, leases, delays or fan-out.
 */
const { randomBytes } = require('node:crypto');
const { Redis } = require('ioredis');
const { counter, within } = require('../../../bench/measure');

async function endToEnd(url, { total, batch, concurrency }) {
  const prefix = `benchlist_${randomBytes(4).toString('hex')}`;
  const ready = `${prefix}:ready`;
  const producer = new Redis(url);
  const workers = Array.from({ length: concurrency }, () => new Redis(url));
  const c = counter(total);
  let stopping = false;
  const loops = workers.map(async (conn, w) => {
    const processing = `${prefix}:processing:${w}`;
    while (!stopping) {
      const item = await conn.blmove(ready, processing, 'RIGHT', 'LEFT', 0.1);
      if (item === null) continue;
      await conn.lrem(processing, 1, item);
      c.tick();
    }
  });
  try {
    const t0 = Date.now();
    for (let i = 0; i < total; i += batch) {
      await producer.lpush(ready, ...Array.from({ length: Math.min(batch, total - i) }, (_, k) => JSON.stringify({ i: i + k })));
    }
    const t1 = await within(c.done, 300_000, 'list queue end-to-end');
    return (total * 1000) / (t1 - t0);
  } finally {
    stopping = true;
    await Promise.all(loops);
    await producer.del(ready, ...workers.map((_, w) => `${prefix}:processing:${w}`));
    producer.disconnect();
    for (const w of workers) w.disconnect();
  }
}

module.exports = { name: 'list-queue', endToEnd };
