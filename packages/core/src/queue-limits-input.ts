import type { QueueLimits } from './contract';
import { parseDuration, type Duration } from './duration';
import { isPlainObject } from './validation';

/** A rate as users give it: `per` a duration (`'1 minute'`, ms). */
export interface RateInput {
  /** Most starts in any window of `per`. */
  readonly max: number;
  /** The window's length. */
  readonly per: Duration;
}

/** Queue limits as `setQueueLimits` takes them: the backend's form with durations for `rate.per`. */
export interface QueueLimitsInput {
  /** At most this many items of the queue in flight at once, across every process. */
  readonly concurrency?: number;
  /** At most `max` starts in any window of `per` (sliding), across every process. */
  readonly rate?: RateInput;
  /** Per-group limits (`by: 'tid'` or a header name), groups served in turn. */
  readonly group?: { readonly by: string; readonly concurrency?: number; readonly rate?: RateInput };
}

/**
 * The limits with every `rate.per` parsed to ms; anything else is passed on untouched for the backend's
 * checks, so a malformed value is refused there with its field name.
 */
export function queueLimitsInMs(limits: QueueLimitsInput | null): QueueLimits | null {
  if (!isPlainObject(limits)) return limits as QueueLimits | null;
  const group = isPlainObject(limits.group) ? { ...limits.group, ...withRateInMs(limits.group.rate, 'limits.group.rate.per') } : limits.group;
  return { ...limits, ...withRateInMs(limits.rate, 'limits.rate.per'), ...(group !== undefined && { group }) } as QueueLimits;
}

function withRateInMs(rate: unknown, field: string): { rate?: unknown } {
  if (!isPlainObject(rate)) return rate === undefined ? {} : { rate };
  return { rate: { ...rate, per: parseDuration(rate.per, field) } };
}
