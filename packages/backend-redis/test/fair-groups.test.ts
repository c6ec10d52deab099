import type { Delivery } from '@wrkr/core/backend';
import { Redis } from 'ioredis';
import type { RedisBackend } from '../src';
import { destroyNamespace, message, REDIS_URL, startBackend } from './helpers';

const ref = (d: Delivery) => ({ queue: d.queue, id: d.message.id, token: d.token });

/** The group keys (`q:<queue>:g…`, `lgrp`) of a queue, with the key prefix cut off. */
async function groupKeys(redis: Redis, b: RedisBackend, queue: string): Promise<string[]> {
  const prefix = `{${b.namespace}}:q:${queue}:`;
  const keys = await redis.keys(`${prefix}*`);
  return keys.map((k) => k.slice(prefix.length)).filter((k) => k.startsWith('g') || k === 'lgrp').sort();
}

describe('RedisBackend fair groups: keys', () => {
  const redis = new Redis(REDIS_URL);
  let b: RedisBackend;
  beforeEach(async () => {
    b = await startBackend();
  });
  afterEach(async () => {
    await b.close();
    await destroyNamespace(b.namespace);
  });
  afterAll(() => redis.disconnect());

  const drain = async (queue: string): Promise<number> => {
    let n = 0;
    for (let got = await b.claim(queue, { max: 50, leaseMs: 60_000, waitMs: 0 }); got.length > 0; got = await b.claim(queue, { max: 50, leaseMs: 60_000, waitMs: 0 })) {
      for (const d of got) expect(await b.ack(ref(d))).toBe(true);
      n += got.length;
    }
    return n;
  };

  it('a publish fanning out to queues grouped by different keys groups each item by its own queue\'s key, delayed publishes when routed', async () => {
    await b.bind('by-tid', 'x.#');
    await b.bind('by-tenant', 'x.#');
    await b.setQueueLimits('by-tid', { group: { by: 'tid', concurrency: 1 } });
    await b.setQueueLimits('by-tenant', { group: { by: 'tenant', concurrency: 1 } });
    // Same tid, two tenants: one group by tid, two by tenant.
    const items = ['a', 'b'].map((tenant) => ({ message: message('x.a', { tid: 'same', headers: { tenant } }) }));
    await b.publish([items[0]!, { ...items[1]!, dueAt: Date.now() + 100 }]);
    await new Promise((r) => setTimeout(r, 150));
    expect((await b.claim('by-tid', { max: 10, leaseMs: 60_000, waitMs: 0 })).length).toBe(1);
    expect((await b.claim('by-tenant', { max: 10, leaseMs: 60_000, waitMs: 0 })).map((d) => d.message.headers?.tenant).sort()).toEqual(['a', 'b']);
  });

  it('a queue that never had groups gets no group key from send, publish, claim, ack and nack', async () => {
    await b.setQueueLimits('plain', { concurrency: 5 });
    await b.bind('plain', 'x.#');
    await b.send('plain', [{ message: message('x.a', { tid: 't' }) }]);
    await b.publish([{ message: message('x.b', { headers: { tenant: 'a' } }) }]);
    const [d] = await b.claim('plain', { max: 1, leaseMs: 60_000, waitMs: 0 });
    expect(await b.nack(ref(d!), { kind: 'release' })).toBe(true);
    expect(await drain('plain')).toBe(2);
    expect(await groupKeys(redis, b, 'plain')).toEqual([]);
  });

  it('a drained grouped queue keeps only its counters; deleteQueue removes every group key', async () => {
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 2, rate: { max: 100, per: 60_000 } } });
    await b.send('q', ['a', 'b', 'c'].flatMap((tenant) => [1, 2].map(() => ({ message: message('x.a', { headers: { tenant } }) }))));
    expect(await drain('q')).toBe(6);
    // Rate windows stay for their window; the counters of ready items and arrival order stay.
    expect(await groupKeys(redis, b, 'q')).toEqual(['gready', 'gs:a', 'gs:b', 'gs:c', 'gseq', 'gwins']);
    expect(await redis.get(`{${b.namespace}}:q:q:gready`)).toBe('0');
    await b.deleteQueue('q');
    expect(await groupKeys(redis, b, 'q')).toEqual([]);
  });

  it('removing the groups moves the ready items back to the level lists in order; leases claimed in a group count until they end', async () => {
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    const items = ['a', 'a', 'b'].map((tenant, i) => message('x.a', { headers: { tenant }, body: String(i) }));
    await b.send('q', items.map((m) => ({ message: m })));
    const [held] = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 0 });
    expect(held!.message.id).toBe(items[0]!.id);
    await b.setQueueLimits('q', {});
    expect(await groupKeys(redis, b, 'q')).toEqual(['gin', 'lgrp']);
    expect((await b.jobs('q', { state: 'ready' })).map((r) => r.message.body)).toEqual(['1', '2']);
    await b.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
    const got = await b.claim('q', { max: 10, leaseMs: 60_000, waitMs: 0 });
    expect(got.map((d) => d.message.body)).toEqual(['2']);
    await b.setQueueLimits('q', {});
    expect(await b.ack(ref(held!))).toBe(true);
    expect(await b.ack(ref(got[0]!))).toBe(true);
    expect(await groupKeys(redis, b, 'q')).toEqual([]);
    expect(await b.queueLimits('q')).toEqual({});
  });
});
