import { AbortedError, isWrkrError } from '../src';
import { eventually, memoryWrkrs } from './harness';

describe('wrkr.abort of a running job', () => {
  const { make } = memoryWrkrs();

  /** A worker whose handler waits for its signal and records what it saw. */
  async function worker(retryAttempts: number) {
    const w = await make();
    const seen: Array<{ attempt: number; reason: unknown }> = [];
    let started!: (id: string) => void;
    const running = new Promise<string>((resolve) => (started = resolve));
    await w.subscribe(
      'long',
      'job.long',
      (e, ctx) =>
        new Promise((resolve) => {
          if (ctx.attempt > 1) return resolve('done on retry');
          started(e.id);
          ctx.signal.addEventListener('abort', () => seen.push({ attempt: ctx.attempt, reason: ctx.signal.reason }));
        }),
      { retry: { attempts: retryAttempts, backoff: 'fixed', delay: 10, jitter: 0 } },
    );
    return { w, seen, running };
  }

  it('aborts the handler in another process; the item then follows the retry policy', async () => {
    const { w, seen, running } = await worker(3);
    const manager = await make();
    const completed = new Promise((resolve) => w.once('completed', resolve));
    await manager.publish({ name: 'job.long' });
    const id = await running;
    expect(await manager.abort('long', id, { reason: 'stuck' })).toBe(true);
    await eventually(() => seen.length === 1);
    expect(seen[0]!.reason).toBeInstanceOf(AbortedError);
    expect(isWrkrError(seen[0]!.reason, 'ERR_WRKR_ABORTED')).toBe(true);
    expect((seen[0]!.reason as Error).message).toMatch(/aborted: stuck/);
    await completed;
    expect(await manager.failed('long')).toEqual([]);
  });

  it('with fail: true the item goes to the failed store at once, whatever attempts are left', async () => {
    const { w, running } = await worker(5);
    const manager = await make();
    const failed = new Promise((resolve) => w.once('failed', resolve));
    await manager.publish({ name: 'job.long' });
    const id = await running;
    expect(await manager.abort('long', id, { fail: true })).toBe(true);
    await failed;
    const [item] = await manager.failed('long');
    expect(item).toMatchObject({ attempt: 1, error: { code: 'ERR_WRKR_ABORTED' } });
    expect(await manager.abort('long', id)).toBe(false);
  });

  it('refuses unknown options and bad reasons before touching the backend', async () => {
    const manager = await make();
    await expect(manager.abort('long', 'x', { later: true } as never)).rejects.toMatchObject({ code: 'ERR_WRKR_VALIDATION' });
    await expect(manager.abort('long', 'x', { reason: 'x'.repeat(1001) })).rejects.toMatchObject({ code: 'ERR_WRKR_VALIDATION' });
  });
});
