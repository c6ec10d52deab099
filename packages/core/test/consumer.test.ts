import { isWrkrError } from '../src';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('the consumer loop', () => {
  const { make } = memoryWrkrs();

  it('aborts a handler at its job timeout and retries it', async () => {
    const w = await make();
    const reasons: unknown[] = [];
    let calls = 0;
    const done = new Promise((resolve) => w.once('completed', resolve));
    await w.subscribe(
      'slow',
      'job.slow',
      async (_e, ctx) => {
        calls++;
        if (ctx.attempt === 1) {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
          reasons.push(ctx.signal.reason);
        }
      },
      { timeout: 50, retry: { attempts: 2, delay: 1 } },
    );
    await w.publish({ name: 'job.slow' });
    await done;
    expect(calls).toBe(2);
    expect(isWrkrError(reasons[0], 'ERR_WRKR_TIMEOUT')).toBe(true);
  });

  it('lets timers run while one at a time it drains a backlog that the backend answers at once', async () => {
    const w = await make();
    const n = 20_000;
    for (let i = 0; i < n; i += 1000) await w.send('backlog', Array.from({ length: 1000 }, () => ({ name: 'job.quick' })));
    let handled = 0;
    const all = new Promise<void>((resolve) => w.on('completed', () => ++handled === n && resolve()));
    // Memory claims never wait on I/O: without a turn of the event loop now and then, this timer (like a
    // lease renewal or a lifecycle batch) would only fire once all items are done.
    const handledWhenTimerFired = new Promise<number>((resolve) => setTimeout(() => resolve(handled), 0));
    await w.subscribe('backlog', null, () => undefined, { concurrency: 1 });
    expect(await handledWhenTimerFired).toBeLessThan(n);
    await all;
  });

  it('spreads items over competing consumers in different processes', async () => {
    const a = await make();
    const b = await make();
    const byA: string[] = [];
    const byB: string[] = [];
    await a.subscribe('work', 'job.item', async (e) => {
      byA.push(e.id);
      await sleep(5);
    }, { concurrency: 2 });
    await b.subscribe('work', null, async (e) => {
      byB.push(e.id);
      await sleep(5);
    }, { concurrency: 2 });
    await a.publish(Array.from({ length: 40 }, (_, i) => ({ name: 'job.item', data: i })));
    await eventually(() => byA.length + byB.length === 40);
    expect(new Set([...byA, ...byB]).size).toBe(40);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
  });
});
