import { ValidationError, type Delivery, type LifecycleEvent } from '@wrkr/core/backend';
import type { RedisBackend } from '../src';

const ref = (d: Delivery) => ({ queue: d.queue, id: d.message.id, token: d.token });
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { scriptSources } from '../src/scripts';
import { destroyNamespace, message, REDIS_URL, sleep, startBackend } from './helpers';

describe('RedisBackend', () => {
  const opened: RedisBackend[] = [];
  async function backend(namespace?: string): Promise<RedisBackend> {
    const b = await startBackend(namespace ? { namespace } : {});
    opened.push(b);
    return b;
  }
  afterEach(async () => {
    const all = opened.splice(0);
    await Promise.all(all.map((b) => b.close()));
    await Promise.all([...new Set(all.map((b) => b.namespace))].map((ns) => destroyNamespace(ns)));
  });

  it('fans out to every queue bound to a matching pattern, with * and # semantics', async () => {
    const b = await backend();
    await b.bind('exact', 'app.user.added');
    await b.bind('star', 'app.*.added');
    await b.bind('hash', 'app.#');
    await b.bind('root', '#.added');
    await b.bind('none', 'other.*');
    await b.publish([{ message: message('app.user.added') }, { message: message('app.added') }, { message: message('app.a.b.c') }]);
    const count = async (q: string): Promise<number> => (await b.stats(q)).ready;
    expect(await count('exact')).toBe(1);
    expect(await count('star')).toBe(1);
    expect(await count('hash')).toBe(3);
    expect(await count('root')).toBe(2);
    expect(await count('none')).toBe(0);
    expect(await b.queues()).toEqual(['exact', 'hash', 'none', 'root', 'star']);
    expect(await b.bindings('star')).toEqual([{ queue: 'star', pattern: 'app.*.added' }]);
  });

  it('claims, acks and refuses a stale token', async () => {
    const b = await backend();
    const m = message('x.y', { body: '{"a":1}', headers: { h: 'é' }, tid: 't1' });
    await b.send('q', [{ message: m }, { message: m }]);
    const [d] = await b.claim('q', { max: 10, leaseMs: 200, waitMs: 0 });
    expect(d!.message).toEqual(m);
    expect(d!.attempt).toBe(1);
    expect(await b.claim('q', { max: 10, leaseMs: 200, waitMs: 0 })).toEqual([]);
    await sleep(250);
    const [again] = await b.claim('q', { max: 10, leaseMs: 5000, waitMs: 0 });
    expect(again!.attempt).toBe(2);
    expect(await b.ack(ref(d!))).toBe(false);
    expect(await b.extend(ref(d!), 1000)).toBe(false);
    expect(await b.ack(ref(again!))).toBe(true);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('keeps no sticky-pull holder entry once a lease ends by ack, nack or the reclaim of its expiry', async () => {
    const b = await backend();
    const admin = new Redis(REDIS_URL);
    const held = async (): Promise<number[]> => [await admin.hlen(`{${b.namespace}}:q:q:holders`), await admin.hlen(`{${b.namespace}}:q:q:hof`)];
    try {
      await b.send('q', [{ message: message('s.a') }, { message: message('s.b') }, { message: message('s.c') }]);
      const [a] = await b.claim('q', { max: 1, leaseMs: 5000, waitMs: 0, holder: 'w1' });
      const [x] = await b.claim('q', { max: 1, leaseMs: 5000, waitMs: 0, holder: 'w2' });
      const [y] = await b.claim('q', { max: 1, leaseMs: 100, waitMs: 0, holder: 'w3' });
      expect(await held()).toEqual([3, 3]);
      expect(await b.ack(ref(a!))).toBe(true);
      expect(await b.nack(ref(x!), { kind: 'retry', dueAt: Date.now() + 60_000 })).toBe(true);
      expect(await held()).toEqual([1, 1]);
      await sleep(150);
      // A plain claim reclaims w3's expired lease: w3 holds nothing from then on.
      const [again] = await b.claim('q', { max: 1, leaseMs: 5000, waitMs: 0 });
      expect(again!.message.id).toBe(y!.message.id);
      expect(await held()).toEqual([0, 0]);
      expect(await b.heldBy('q', 'w3')).toBeUndefined();
    } finally {
      admin.disconnect();
    }
  });

  it('waits for a publish and wakes at once', async () => {
    const b = await backend();
    await b.bind('q', 'a.b');
    const start = Date.now();
    const pending = b.claim('q', { max: 1, leaseMs: 1000, waitMs: 5000 });
    await sleep(50);
    await b.publish([{ message: message('a.b') }]);
    const got = await pending;
    expect(got).toHaveLength(1);
    expect(Date.now() - start).toBeLessThan(500);
  });

  it('delivers a delayed publish to the queues bound at its due time, promptly', async () => {
    const b = await backend();
    const due = Date.now() + 300;
    await b.publish([{ message: message('late.one'), dueAt: due }]);
    await b.bind('q', 'late.*');
    const got = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 3000 });
    const at = Date.now();
    expect(got).toHaveLength(1);
    expect(at).toBeGreaterThanOrEqual(due);
    expect(at - due).toBeLessThan(50);
  });

  it('cancels delayed publishes and delayed sends', async () => {
    const b = await backend();
    await b.bind('q', 'c.*');
    const m1 = message('c.a');
    const m2 = message('c.b');
    await b.publish([{ message: m1, dueAt: Date.now() + 200 }]);
    await b.send('q', [{ message: m2, dueAt: Date.now() + 200 }]);
    expect(await b.stats('q')).toMatchObject({ delayed: 1 });
    expect(await b.cancel(m1.id)).toBe(true);
    expect(await b.cancel(m2.id)).toBe(true);
    expect(await b.cancel(m2.id)).toBe(false);
    expect(await b.claim('q', { max: 5, leaseMs: 1000, waitMs: 400 })).toEqual([]);
  });

  it('retries, releases, fails, lists, replays and purges', async () => {
    const b = await backend();
    const m = message('f.x');
    await b.send('q', [{ message: m }]);
    let [d] = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 0 });
    expect(await b.nack(ref(d!), { kind: 'retry', dueAt: Date.now() + 150, error: { message: 'boom' } })).toBe(true);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 1, inFlight: 0, failed: 0 });
    [d] = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 2000 });
    expect(d!.attempt).toBe(2);
    expect(await b.nack(ref(d!), { kind: 'release' })).toBe(true);
    [d] = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 0 });
    expect(d!.attempt).toBe(2);
    expect(await b.nack(ref(d!), { kind: 'fail', error: { message: 'bad', name: 'Error' } })).toBe(true);
    expect(await b.nack(ref(d!), { kind: 'fail', error: { message: 'bad' } })).toBe(false);
    const failed = await b.failed('q');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ queue: 'q', message: m, attempt: 2, error: { message: 'bad', name: 'Error' } });
    expect(await b.replay('q')).toBe(1);
    [d] = await b.claim('q', { max: 1, leaseMs: 1000, waitMs: 0 });
    expect(d!.attempt).toBe(1);
    await b.nack(ref(d!), { kind: 'fail', error: { message: 'again' } });
    expect(await b.purgeFailed('q', [m.id])).toBe(1);
    expect(await b.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('fires each schedule occurrence once across clients', async () => {
    const a = await backend();
    const b = await backend(a.namespace);
    await a.bind('q', 'tick');
    const t0 = Date.now();
    await a.upsertSchedule({ name: 'tick', rule: { every: 1000 }, event: { name: 'tick' }, active: true, nextRunAt: t0, updatedAt: t0 });
    const results = await Promise.all(
      [a, b, a, b].map((c, i) => c.fireSchedule('tick', { runAt: t0, updatedAt: t0 }, t0 + 1000, message('tick', { id: `occ-${t0}-${i % 1}` }))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.getSchedule('tick')).toMatchObject({ nextRunAt: t0 + 1000, lastRunAt: t0, updatedAt: t0 });
    expect((await b.stats('q')).ready).toBe(1);
    expect((await b.listSchedules()).map((s) => s.name)).toEqual(['tick']);
    expect(await b.removeSchedule('tick')).toBe(true);
    expect(await b.removeSchedule('tick')).toBe(false);
  });

  it('keeps a worker registry with heartbeats and expiry', async () => {
    const b = await backend();
    expect(await b.registerWorker('w1', 'i1', { host: 'h' }, 200)).toBe(true);
    expect(await b.registerWorker('w1', 'i2', {}, 200)).toBe(false);
    expect(await b.heartbeat('w1', 'i1', 200)).toBe(true);
    expect((await b.workers()).map((w) => [w.id, w.meta])).toEqual([['w1', { host: 'h' }]]);
    await sleep(250);
    expect(await b.workers()).toEqual([]);
    expect(await b.registerWorker('w1', 'i2', {}, 1000)).toBe(true);
    expect(await b.heartbeat('w1', 'i1', 200)).toBe(false);
    await b.unregisterWorker('w1', 'i2');
    expect(await b.workers()).toEqual([]);
  });

  it('refuses bad input before writing', async () => {
    const b = await backend();
    await expect(b.bind('bad queue', 'a')).rejects.toBeInstanceOf(ValidationError);
    await expect(b.bind('q', 'a..b')).rejects.toBeInstanceOf(ValidationError);
    await expect(b.publish([{ message: message('ok'), dueAt: Number.NaN }, { message: message('bad name!') }])).rejects.toBeInstanceOf(ValidationError);
    expect(await b.queues()).toEqual([]);
  });

  it('hands each of many items to exactly one of several competing consumers', async () => {
    const b1 = await backend();
    const b2 = await backend(b1.namespace);
    await b1.bind('q', 'c');
    const total = 2000;
    const seen = new Map<string, number>();
    const consume = async (b: RedisBackend): Promise<void> => {
      while ([...seen.values()].length < total) {
        const ds: Delivery[] = await b.claim('q', { max: 50, leaseMs: 10_000, waitMs: 200 });
        for (const d of ds) {
          seen.set(d.message.id, (seen.get(d.message.id) ?? 0) + 1);
          await b.ack(ref(d));
        }
      }
    };
    const consumers = [consume(b1), consume(b1), consume(b2), consume(b2)];
    for (let i = 0; i < total; i += 500) {
      await b2.publish(Array.from({ length: 500 }, () => ({ message: message('c') })));
    }
    await Promise.all(consumers);
    expect(seen.size).toBe(total);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });
  it('acks of several queues in one batch each answer for their own lease, kept or not', async () => {
    const b = await backend();
    await b.send('a', [{ message: message('x') }, { message: message('x') }]);
    await b.send('b', [{ message: message('x') }]);
    const inA = await b.claim('a', { max: 2, leaseMs: 10_000, waitMs: 0 });
    const [inB] = await b.claim('b', { max: 1, leaseMs: 10_000, waitMs: 0 });
    // One tick, so one script call: queues interleaved, a stale token among them, one kept with a result.
    const results = await Promise.all([
      b.ack(ref(inA[0]!)),
      b.ack({ ...ref(inB!), token: 'stale' }),
      b.ack(ref(inA[1]!), { keep: { count: 10, ageMs: 60_000, result: '{"a|b":1}' } }),
      b.ack(ref(inB!)),
    ]);
    expect(results).toEqual([true, false, true, true]);
    expect(await b.stats('a')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    expect(await b.stats('b')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    const kept = await b.job('a', inA[1]!.message.id);
    expect(kept).toMatchObject({ state: 'completed', result: '{"a|b":1}' });
    expect(await b.job('a', inA[0]!.message.id)).toBeUndefined();
  });

  it('sends lifecycle events only while a queue is watched, and a watcher arriving or leaving between batches changes nothing it sees', async () => {
    const a = await backend();
    const b = await backend(a.namespace);
    const event = (kind: 'active' | 'completed', n: number): LifecycleEvent => ({ kind, queue: 'q', id: `id${n}`, name: 'job.run', attempt: 1, at: 1_000 + n });
    // What goes over the wire is the point: PUBLISHes on the queue's channel, as the server runs them.
    const monitor = await new Redis(REDIS_URL).monitor();
    const published: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (String(args[0]).toLowerCase() === 'publish' && args[1] === `{${a.namespace}}:ev:q`) published.push((JSON.parse(args[2]!) as LifecycleEvent).id);
    });
    await a.publishLifecycle([event('active', 0), event('completed', 0)]); // nobody watches: counted only
    const seen: LifecycleEvent[] = [];
    const w = await b.watchLifecycle('q', (e) => seen.push(e));
    await a.publishLifecycle([event('active', 1), event('completed', 1)]); // the queue was quiet: found watched, sent again
    await a.publishLifecycle([event('active', 2)]); // watched: sent at once
    await sleep(100);
    expect(seen).toEqual([event('active', 1), event('completed', 1), event('active', 2)]);
    await w.close();
    await a.publishLifecycle([event('completed', 2)]); // reaches nobody: the queue goes quiet again
    await a.publishLifecycle([event('active', 3), event('completed', 3)]);
    const again: LifecycleEvent[] = [];
    const w2 = await b.watchLifecycle('q', (e) => again.push(e));
    await a.publishLifecycle([event('active', 4), event('completed', 4)]);
    await sleep(100);
    expect(again).toEqual([event('active', 4), event('completed', 4)]);
    expect(seen).toHaveLength(3);
    expect(await b.counters('q')).toMatchObject({ completed: 5, failed: 0, retried: 0 });
    await w2.close();
    monitor.disconnect();
    // Quiet batches (0 and 3) published nothing; the one that found the watcher gone (completed 2) did.
    expect(published).toEqual(['id1', 'id1', 'id2', 'id2', 'id4', 'id4']);
  });
  it('lifecycle batches handed over while a call is in flight go together in the next call, in order, all counted', async () => {
    const a = await backend();
    const b = await backend(a.namespace);
    const source = scriptSources().get('lifecycle')!;
    const sha = createHash('sha1').update(source).digest('hex');
    const monitor = await new Redis(REDIS_URL).monitor();
    let calls = 0;
    monitor.on('monitor', (_time: string, args: string[]) => {
      // A script's first call on a connection goes as EVAL with its source, later ones as EVALSHA.
      if ((args[1] === sha || args[1] === source) && args[4] === `{${a.namespace}}:`) calls++;
    });
    const seen: string[] = [];
    const w = await b.watchLifecycle('q', (e) => seen.push(e.id));
    const ids = Array.from({ length: 50 }, (_, n) => `id${n}`);
    await Promise.all(ids.map((id, n) => a.publishLifecycle([{ kind: 'completed', queue: 'q', id, name: 'job.run', attempt: 1, at: 1_000 + n }])));
    await sleep(100);
    monitor.disconnect();
    expect(seen).toEqual(ids);
    expect(await b.counters('q')).toMatchObject({ completed: 50 });
    // Not one call each: the first (quiet: counted, then sent again to the watcher it found), and the
    // rest in one more unless they were all gathered before the first went out.
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(3);
    await w.close();
  });
});
