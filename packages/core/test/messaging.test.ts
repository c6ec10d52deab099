import type { WrkrEvent } from '../src';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('messaging: routing, delays and cancellation', () => {
  const { make } = memoryWrkrs();

  it('fans an event out to every subscribed queue with every field intact', async () => {
    const w = await make();
    const seen: Record<string, WrkrEvent[]> = { a: [], b: [] };
    await w.subscribe('a', 'ourapp.user.*', async (e) => void seen.a!.push(e));
    await w.subscribe('b', ['ourapp.#'], async (e) => void seen.b!.push(e));
    await w.subscribe('c', 'other.#', async () => {
      throw new Error('must not be called');
    });
    const { id } = await w.publish({ name: 'ourapp.user.added', tid: 'u1', data: { email: 'ü@x.io', n: [1, 2] }, headers: { trace: 't1' } });
    await eventually(() => seen.a!.length === 1 && seen.b!.length === 1);
    const e = seen.a![0]!;
    expect(e).toMatchObject({ id, name: 'ourapp.user.added', tid: 'u1', data: { email: 'ü@x.io', n: [1, 2] }, headers: { trace: 't1' } });
    expect(e.publishedAt).toBeInstanceOf(Date);
    expect(await w.stats('c')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('delays an event until its due time and can cancel another', async () => {
    const w = await make();
    const got: Array<{ id: string; at: number }> = [];
    await w.subscribe('q', 'x.later', async (e) => void got.push({ id: e.id, at: Date.now() }));
    const t0 = Date.now();
    const kept = await w.publish({ name: 'x.later', when: 150 });
    const cancelled = await w.publish({ name: 'x.later', when: '100ms' });
    expect(await w.cancel(cancelled.id)).toBe(true);
    await eventually(() => got.length === 1);
    expect(got[0]!.id).toBe(kept.id);
    expect(got[0]!.at - t0).toBeGreaterThanOrEqual(150);
    await sleep(100);
    expect(got).toHaveLength(1);
    expect(await w.cancel(cancelled.id)).toBe(false);
  });
});
