import { parseDuration, type Duration } from './duration';
import { ValidationError } from './errors';
import { assertInt, assertKnownKeys } from './validation';

/** How a subscription retries a failed handler. */
export interface RetryOptions {
  /** Total deliveries before the item goes to the failed store (default 3; 1 = never retry). */
  attempts?: number;
  /** `'exponential'` (default) doubles the delay each attempt; `'fixed'` keeps it. */
  backoff?: 'fixed' | 'exponential';
  /** Delay before the first retry (default `'1s'`). */
  delay?: Duration;
  /** Upper bound of any delay (default `'1 hour'`). */
  maxDelay?: Duration;
  /** Fraction of the delay randomly taken off, so retries of a burst spread out (0–1, default 0.2). */
  jitter?: number;
}

/** A validated retry policy: when to retry and how long to wait. */
export class RetryPolicy {
  /** Total deliveries allowed. */
  readonly attempts: number;
  private readonly backoff: 'fixed' | 'exponential';
  private readonly delayMs: number;
  private readonly maxDelayMs: number;
  private readonly jitter: number;

  constructor(options: RetryOptions = {}, field = 'retry') {
    assertKnownKeys(options, ['attempts', 'backoff', 'delay', 'maxDelay', 'jitter'], field);
    this.attempts = options.attempts ?? 3;
    assertInt(this.attempts, `${field}.attempts`, 1, 1_000_000);
    this.backoff = options.backoff ?? 'exponential';
    if (this.backoff !== 'fixed' && this.backoff !== 'exponential') {
      throw new ValidationError(`${field}.backoff`, "must be 'fixed' or 'exponential'");
    }
    this.delayMs = parseDuration(options.delay ?? '1s', `${field}.delay`);
    this.maxDelayMs = parseDuration(options.maxDelay ?? '1 hour', `${field}.maxDelay`);
    this.jitter = options.jitter ?? 0.2;
    if (typeof this.jitter !== 'number' || !(this.jitter >= 0 && this.jitter <= 1)) {
      throw new ValidationError(`${field}.jitter`, 'must be a number from 0 to 1');
    }
  }

  /** True when a delivery that failed on `attempt` may be retried. */
  canRetry(attempt: number): boolean {
    return attempt < this.attempts;
  }

  /** Delay in ms before retrying after `attempt` failed. */
  delayAfter(attempt: number, random: () => number = Math.random): number {
    const base = this.backoff === 'fixed' ? this.delayMs : this.delayMs * 2 ** Math.min(attempt - 1, 52);
    const capped = Math.min(base, this.maxDelayMs);
    return Math.round(capped * (1 - this.jitter * random()));
  }
}
