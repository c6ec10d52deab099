import { Cluster } from 'ioredis';
import type { Delivery, LifecycleEvent } from '@wrkr/core/backend';
import { RedisBackend } from '../src';
import { message } from './helpers';
import { LocalCluster } from './redis-cluster';

const ref = (d: Delivery) => ({ queue: d.queue, id: d.message.id, token: d.token });

describe('RedisBackend on a three-node Redis Cluster', () => {
  let cluster: LocalCluster;
  let client: Cluster;
  beforeAll(async () => {
    cluster = await LocalCluster.start();
    client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  }, 30_000);
  afterAll(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it('runs every kind of script for namespaces living on different nodes', async () => {
    // Namespaces chosen so their slots fall on different masters.
    const slots = new Set<string>();
    const backends: RedisBackend[] = [];
    for (const namespace of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const b = new RedisBackend({ client, namespace });
      await b.start();
      backends.push(b);
      slots.add(String(await client.cluster('KEYSLOT', `{${namespace}}:queues`)));
    }
    expect(slots.size).toBeGreaterThan(1);
    try {
      for (const b of backends) {
        await b.bind('q1', 'c.*');
        await b.bind('q2', 'c.#');
        const waiting = b.claim('q1', { max: 10, leaseMs: 5000, waitMs: 3000 });
        await new Promise((r) => setTimeout(r, 30));
        await b.publish([{ message: message('c.now') }, { message: message('c.later'), dueAt: Date.now() + 200 }]);
        const first = await waiting;
        expect(first.map((d) => d.message.name)).toEqual(['c.now']);
        const later = await b.claim('q1', { max: 10, leaseMs: 5000, waitMs: 3000 });
        expect(later.map((d) => d.message.name)).toEqual(['c.later']);
        expect(await b.ack(ref(first[0]!))).toBe(true);
        await b.nack(ref(later[0]!), { kind: 'fail', error: { message: 'x' } });
        expect(await b.replay('q1')).toBe(1);
        expect(await b.stats('q1')).toEqual({ ready: 1, delayed: 0, inFlight: 0, failed: 0 });
        expect((await b.stats('q2')).ready).toBe(2);
        const [mine] = await b.claim('q2', { max: 1, leaseMs: 5000, waitMs: 0, holder: 'ext' });
        const [again] = await b.claim('q2', { max: 1, leaseMs: 5000, waitMs: 0, holder: 'ext' });
        expect(again!.message.id).toBe(mine!.message.id);
        expect(await b.ack((await b.heldBy('q2', 'ext'))!)).toBe(true);
        const t = Date.now();
        await b.upsertSchedule({ name: 's', rule: { every: 1000 }, event: { name: 'c.tick' }, active: true, nextRunAt: t, updatedAt: t });
        expect(await b.fireSchedule('s', { runAt: t, updatedAt: t }, t + 1000, message('c.tick'))).toBe(true);
        expect((await b.listSchedules()).map((s) => s.nextRunAt)).toEqual([t + 1000]);
        expect(await b.registerWorker('w', 'i', {}, 10_000)).toBe(true);
        expect((await b.workers()).map((w) => w.id)).toEqual(['w']);
        expect(await b.queues()).toEqual(['q1', 'q2']);
        await b.deleteQueue('q1');
        await b.deleteQueue('q2');
      }
    } finally {
      await Promise.all(backends.map((b) => b.close()));
    }
  });
  it('publishes every lifecycle event on a Cluster, where a subscriber may sit on another node, and counts it', async () => {
    // The watcher's pub/sub connection and the script's node differ for some namespace of these.
    const pairs: Array<[RedisBackend, RedisBackend]> = [];
    for (const namespace of ['la', 'lb', 'lc', 'ld']) {
      const [a, b] = [new RedisBackend({ client, namespace }), new RedisBackend({ client, namespace })];
      await Promise.all([a.start(), b.start()]);
      pairs.push([a, b]);
    }
    try {
      for (const [a, b] of pairs) {
        const seen: LifecycleEvent[] = [];
        const w = await b.watchLifecycle('q', (e) => seen.push(e));
        const event: LifecycleEvent = { kind: 'completed', queue: 'q', id: 'id1', name: 'job.run', attempt: 1, at: 1_000 };
        await a.publishLifecycle([event]);
        await a.publishLifecycle([{ ...event, id: 'id2' }]);
        for (let waited = 0; seen.length < 2 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20));
        expect(seen.map((e) => e.id)).toEqual(['id1', 'id2']);
        expect(await a.counters('q')).toMatchObject({ completed: 2 });
        await w.close();
        await a.deleteQueue('q');
      }
    } finally {
      await Promise.all(pairs.flat().map((b) => b.close()));
    }
  });
});
