import { MemoryBackend } from '@wrkr/backend-memory';
import { NotSupportedError, ValidationError, Wrkr } from '../src';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('queue limits', () => {
  const { make } = memoryWrkrs();

  it('caps the handlers running across two processes at the queue concurrency, each item on its first attempt', async () => {
    const [a, b] = [await make(), await make()];
    await a.setQueueLimits('mail', { concurrency: 2 });
    let running = 0;
    let most = 0;
    const attempts: number[] = [];
    const handler = async (_e: unknown, ctx: { attempt: number }): Promise<void> => {
      running++;
      most = Math.max(most, running);
      attempts.push(ctx.attempt);
      await sleep(10);
      running--;
    };
    // Each process alone would run five at once.
    await a.subscribe('mail', 'mail.send', handler, { concurrency: 5 });
    await b.subscribe('mail', null, handler, { concurrency: 5 });
    await a.publish(Array.from({ length: 20 }, (_, i) => ({ name: 'mail.send', data: i })));
    await eventually(() => attempts.length === 20);
    expect(most).toBe(2);
    expect(new Set(attempts)).toEqual(new Set([1]));
    await eventually(async () => (await a.stats('mail')).inFlight === 0);
    expect(await a.stats('mail')).toMatchObject({ ready: 0, failed: 0 });
  });

  it('takes the rate window as a duration and reports it in ms; {} and null remove the limits', async () => {
    const w = await make();
    expect(await w.queueLimits('mail')).toEqual({});
    await w.setQueueLimits('mail', { concurrency: 3, rate: { max: 100, per: '1 minute' } });
    expect(await w.queueLimits('mail')).toEqual({ concurrency: 3, rate: { max: 100, per: 60_000 } });
    expect(await w.stats('mail')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0, limits: { concurrency: 3, rate: { max: 100, per: 60_000 } } });
    await w.setQueueLimits('mail', { rate: { max: 5, per: 1000 } });
    expect(await w.queueLimits('mail')).toEqual({ rate: { max: 5, per: 1000 } });
    await w.setQueueLimits('mail', {});
    expect(await w.queueLimits('mail')).toEqual({});
    expect(await w.stats('mail')).not.toHaveProperty('limits');
    await w.setQueueLimits('mail', { concurrency: 1 });
    await w.setQueueLimits('mail', null);
    expect(await w.queueLimits('mail')).toEqual({});
  });

  it('a rate-limited queue hands out at most max per window to fetch, the rest after the window', async () => {
    const w = await make();
    await w.setQueueLimits('api', { rate: { max: 2, per: '300ms' } });
    await w.send('api', [{ name: 'call' }, { name: 'call' }, { name: 'call' }]);
    const first = [await w.fetch('api'), await w.fetch('api')];
    expect(first.every((item) => item !== null)).toBe(true);
    expect(await w.fetch('api')).toBeNull();
    const later = await w.fetch('api', { wait: '2s' });
    expect(later).not.toBeNull();
    for (const item of [...first, later]) await w.ack(item!);
  });

  it('refuses bad limits with a ValidationError naming the field, and keeps the stored ones', async () => {
    const w = await make();
    await w.setQueueLimits('mail', { concurrency: 4 });
    const bad: Array<[unknown, RegExp]> = [
      [{ concurrency: 0 }, /limits\.concurrency/],
      [{ concurrency: 2.5 }, /limits\.concurrency/],
      [{ rate: { max: 10, per: 'whenever' } }, /limits\.rate\.per/],
      [{ rate: { max: 10, per: '2 days' } }, /limits\.rate\.per/],
      [{ rate: { per: '1s' } }, /limits\.rate\.max/],
      [{ rate: 10 }, /limits\.rate/],
      [{ burst: 2 }, /limits/],
      ['fast', /limits/],
    ];
    for (const [limits, field] of bad) {
      const err = await w.setQueueLimits('mail', limits as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(field);
    }
    await expect(w.queueLimits('')).rejects.toBeInstanceOf(ValidationError);
    expect(await w.queueLimits('mail')).toEqual({ concurrency: 4 });
  });

  it('takes the group rate window as a duration and reports the group in ms; limits without a group drop it', async () => {
    const w = await make();
    await w.setQueueLimits('mail', { concurrency: 10, group: { by: 'tid', concurrency: 2, rate: { max: 30, per: '1 minute' } } });
    expect(await w.queueLimits('mail')).toEqual({ concurrency: 10, group: { by: 'tid', concurrency: 2, rate: { max: 30, per: 60_000 } } });
    await w.setQueueLimits('mail', { group: { by: 'x-tenant', rate: { max: 5, per: '2s' } } });
    expect(await w.queueLimits('mail')).toEqual({ group: { by: 'x-tenant', rate: { max: 5, per: 2000 } } });
    await w.setQueueLimits('mail', { concurrency: 3 });
    expect(await w.queueLimits('mail')).toEqual({ concurrency: 3 });
  });

  it('caps the handlers running per tid across two processes at the group concurrency, other tids running beside', async () => {
    const [a, b] = [await make(), await make()];
    await a.setQueueLimits('sync', { group: { by: 'tid', concurrency: 1 } });
    const running = new Map<string, number>();
    const most = new Map<string, number>();
    let done = 0;
    const handler = async (e: { tid?: string }): Promise<void> => {
      const tid = e.tid ?? '';
      running.set(tid, (running.get(tid) ?? 0) + 1);
      most.set(tid, Math.max(most.get(tid) ?? 0, running.get(tid)!));
      await sleep(5);
      running.set(tid, running.get(tid)! - 1);
      done++;
    };
    await a.subscribe('sync', 'account.sync', handler, { concurrency: 4 });
    await b.subscribe('sync', null, handler, { concurrency: 4 });
    await a.publish(Array.from({ length: 24 }, (_, i) => ({ name: 'account.sync', tid: `acct-${i % 3}` })));
    await eventually(() => done === 24);
    expect([...most.values()]).toEqual([1, 1, 1]);
  });

  it('refuses bad group limits with a ValidationError naming the field, and keeps the stored ones', async () => {
    const w = await make();
    await w.setQueueLimits('mail', { group: { by: 'tid', concurrency: 1 } });
    const bad: Array<[unknown, RegExp]> = [
      [{ group: { by: '', concurrency: 1 } }, /limits\.group\.by/],
      [{ group: { by: 7, concurrency: 1 } }, /limits\.group\.by/],
      [{ group: { by: 'x'.repeat(201), concurrency: 1 } }, /limits\.group\.by/],
      [{ group: { by: 'tid' } }, /limits\.group/],
      [{ group: { by: 'tid', concurrency: 0 } }, /limits\.group\.concurrency/],
      [{ group: { by: 'tid', rate: { max: 5, per: 'soon' } } }, /limits\.group\.rate\.per/],
      [{ group: { by: 'tid', rate: { max: 5, per: '2 days' } } }, /limits\.group\.rate\.per/],
      [{ group: { by: 'tid', rate: { per: '1s' } } }, /limits\.group\.rate\.max/],
      [{ group: { by: 'tid', concurrency: 1, weight: 2 } }, /limits\.group/],
      [{ group: 'tid' }, /limits\.group/],
    ];
    for (const [limits, field] of bad) {
      const err = await w.setQueueLimits('mail', limits as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(field);
    }
    expect(await w.queueLimits('mail')).toEqual({ group: { by: 'tid', concurrency: 1 } });
  });

  it('refuses group limits on a backend without fairGroups (NotSupportedError), keeping queue limits usable', async () => {
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, fairGroups: false } });
    const w = new Wrkr({ backend, worker: false });
    await w.start();
    try {
      await expect(w.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } })).rejects.toBeInstanceOf(NotSupportedError);
      await expect(backend.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } })).rejects.toBeInstanceOf(NotSupportedError);
      await w.setQueueLimits('q', { concurrency: 1 });
      expect(await w.queueLimits('q')).toEqual({ concurrency: 1 });
    } finally {
      await w.stop();
    }
  });

  it('refuses limits on a backend without queueLimits (NotSupportedError), in Wrkr and in the backend itself', async () => {
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, queueLimits: false } });
    const w = new Wrkr({ backend, worker: false });
    await w.start();
    try {
      await expect(w.setQueueLimits('q', { concurrency: 1 })).rejects.toBeInstanceOf(NotSupportedError);
      await expect(w.queueLimits('q')).rejects.toBeInstanceOf(NotSupportedError);
      await expect(backend.setQueueLimits('q', { concurrency: 1 })).rejects.toBeInstanceOf(NotSupportedError);
      await expect(backend.queueLimits('q')).rejects.toBeInstanceOf(NotSupportedError);
    } finally {
      await w.stop();
    }
  });
});
