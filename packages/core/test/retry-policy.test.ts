import { RetryPolicy } from '../src/retry-policy';
import { ValidationError } from '../src/errors';

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
