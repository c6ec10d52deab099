import type { Duration } from './duration';
import type { WrkrEvent } from './event';
import type { KeepCompletedOptions } from './keep-completed';
import type { Logger } from './logger';
import type { RetryOptions } from './retry-policy';

/** What a handler gets besides the event. */
export interface HandlerContext {
  /** The queue the event was taken from. */
  readonly queue: string;
  /** 1 on the first delivery, higher on redeliveries. */
  readonly attempt: number;
  /** Aborts on shutdown timeout, on lease loss and on the subscription's `timeout`; its reason says which. */
  readonly signal: AbortSignal;
  /** Logger bound to this delivery (queue, event id and name, attempt). */
  readonly log: Logger;
  /** Report progress (a number or a JSON object of at most 4096 characters): emitted as the `progress` event of the Wrkr instance and stored, throttled, for `wrkr.progress`. */
  progress(value: number | Record<string, unknown>): void;
  /** Extend the lease to `duration` from now (leases are renewed automatically; this is for long steps). */
  extendLease(duration: Duration): Promise<void>;
  /**
   * Acknowledge the item now: it is removed from the queue and lease renewal stops, so whatever the
   * handler does afterwards can no longer cause a retry (a later throw is logged, not retried).
   * Resolves true when the ack held (false: the lease was already lost). Idempotent.
   */
  ack(): Promise<boolean>;
}

/** Handles one event; under `respond` its resolved value is the reply of a request. Throwing (or rejecting) means failure. */
export type Handler<T = unknown, R = unknown> = (event: WrkrEvent<T>, ctx: HandlerContext) => R | Promise<R>;

/** An event whose `data` is present: what the handler of a `{ data: 'required' }` subscription gets. */
export type WrkrEventWithData<T = unknown> = WrkrEvent<T> & { readonly data: T };

/** The handler of a `{ data: 'required' }` subscription: `event.data` is `T`, never undefined. */
export type DataHandler<T = unknown, R = unknown> = (event: WrkrEventWithData<T>, ctx: HandlerContext) => R | Promise<R>;

/** Options of `subscribe`. */
export interface SubscribeOptions<T = unknown> {
  /** Handlers running at once in this process (default 1). */
  concurrency?: number;
  /** Lease length; renewed automatically while the handler runs (default `'30s'`). */
  visibilityTimeout?: Duration;
  /** Retry policy for failed handlers. */
  retry?: RetryOptions;
  /** Job timeout: the handler's signal aborts and the delivery counts as failed after this long. */
  timeout?: Duration;
  /**
   * `'required'`: an event without data is moved to the failed store at once (it could never succeed)
   * instead of reaching the handler, which is then typed with `event.data: T`. Default `'optional'`.
   */
  data?: 'required' | 'optional';
  /** Fields added to every log line about a delivery: `ctx.log`'s and wrkr's own (e.g. the failure line). */
  logBindings?: (event: WrkrEvent<T>) => Record<string, unknown>;
  /**
   * Keep completed items with the handler's result (JSON, at most 4096 characters; a larger or non-JSON
   * result is logged and left out) instead of deleting them at ack: at most `count` per queue, none
   * older than `age`. Listed by `jobs(queue, { state: 'completed' })`, found by `job(queue, id)`.
   * Default: deleted at ack.
   */
  keepCompleted?: KeepCompletedOptions;
}
