import { RetryPolicy } from '../src/retry-policy';
import { ValidationError } from '../src/errors';
import { eventually, memoryWrkrs } from './harness';

describe('RetryPolicy', () => {
  it('doubles exponential delays up to maxDelay, with no jitter when jitter is 0', () => {
    const p = new RetryPolicy({ attempts: 10, delay: '1s', maxDelay: '5s', jitter: 0 });
    expect([1, 2, 3, 4].map((a) => p.delayAfter(a))).toEqual([1000, 2000, 4000, 5000]);
  });
  it('keeps fixed delays', () => {
    const p = new RetryPolicy({ backoff: 'fixed', delay: 300, jitter: 0 });
    expect([1, 5].map((a) => p.delayAfter(a))).toEqual([300, 300]);
  });
  it('takes off at most the jitter fraction', () => {
    const p = new RetryPolicy({ backoff: 'fixed', delay: 1000, jitter: 0.5 });
    expect(p.delayAfter(1, () => 1)).toBe(500);
    expect(p.delayAfter(1, () => 0)).toBe(1000);
  });
  it('retries until attempts are used up', () => {
    const p = new RetryPolicy({ attempts: 3 });
    expect([1, 2, 3].map((a) => p.canRetry(a))).toEqual([true, true, false]);
  });
  it.each([{ attempts: 0 }, { attempts: 1.5 }, { backoff: 'linear' }, { delay: 'soon-ish' }, { jitter: 2 }, { atempts: 3 }])('refuses %p', (o) => {
    expect(() => new RetryPolicy(o as never)).toThrow(ValidationError);
  });
});

describe('retry policy applied by a subscription', () => {
  const { make } = memoryWrkrs();

  it('retries with backoff, then succeeds', async () => {
    const w = await make();
    const attempts: number[] = [];
    const retrying: number[] = [];
    w.on('retrying', (r) => retrying.push(r.attempt));
    const completed = new Promise((resolve) => w.once('completed', resolve));
    await w.subscribe(
      'flaky',
      'job.flaky',
      async (_e, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
      },
      { retry: { attempts: 5, backoff: 'exponential', delay: 20, jitter: 0 } },
    );
    await w.publish({ name: 'job.flaky' });
    await completed;
    expect(attempts).toEqual([1, 2, 3]);
    expect(retrying).toEqual([1, 2]);
  });

  it('dead-letters after the last attempt, then replays and purges', async () => {
    const w = await make();
    let fail = true;
    const handled: string[] = [];
    await w.subscribe(
      'dlq',
      'job.bad',
      async (e) => {
        if (fail) throw Object.assign(new Error('bad input'), { code: 'E_BAD' });
        handled.push(e.id);
      },
      { retry: { attempts: 2, delay: 1, jitter: 0 } },
    );
    const { id } = await w.publish({ name: 'job.bad', data: { v: 1 } });
    await eventually(async () => (await w.stats('dlq')).failed === 1);
    const [f] = await w.failed('dlq');
    expect(f).toMatchObject({ queue: 'dlq', attempt: 2, error: { message: 'bad input', code: 'E_BAD', name: 'Error' } });
    expect(f!.event).toMatchObject({ id, data: { v: 1 } });
    expect(f!.error.stack).toContain('bad input');
    fail = false;
    expect(await w.replay('dlq')).toBe(1);
    await eventually(() => handled.length === 1);
    expect(await w.purge('dlq')).toBe(0);
  });
});
