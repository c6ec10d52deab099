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
