import type { EventEmitter } from 'node:events';
import { parseDuration, type Duration } from './duration';
import type { WrkrEvent } from './event';
import type { HandlerContext } from './handler';
import type { LazyAbort } from './lazy-abort';
import type { RenewedLease } from './lease-renewer';
import type { Logger } from './logger';
import type { ProgressWriter } from './progress-writer';

/** What a delivery's context asks of the consumer running it (one object per delivery, not a closure each). */
export interface DeliveryHooks {
  /** Logger bound to the delivery, made on first use. */
  log(): Logger;
  /** Settle the item now (ctx.ack). */
  ackNow(): Promise<boolean>;
  /** Where progress goes beyond the Wrkr instance's event, made on first report; undefined when the backend keeps none. */
  progressWriter(): ProgressWriter | undefined;
}

/**
 * The HandlerContext of one delivery. A class rather than an object literal with getters: it is built
 * for every delivery, and its signal and child logger are only created when the handler asks for them.
 */
export class DeliveryContext implements HandlerContext {
  constructor(
    readonly queue: string,
    readonly attempt: number,
    private readonly event: WrkrEvent,
    private readonly abort: LazyAbort,
    private readonly lease: RenewedLease,
    private readonly events: EventEmitter,
    private readonly hooks: DeliveryHooks,
  ) {}

  #progressWriter?: ProgressWriter;

  /** Acknowledge now; later failures of the handler are logged, not retried. */
  ack(): Promise<boolean> {
    return this.hooks.ackNow();
  }

  /** Aborts on shutdown timeout, lease loss or job timeout. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Logger bound to this delivery. */
  get log(): Logger {
    return this.hooks.log();
  }

  /**
   * Report progress as the Wrkr instance's `progress` event, and (throttled) store it and tell the queue's
   * watchers in every process, where the backend can.
   */
  progress(progress: number | Record<string, unknown>): void {
    (this.#progressWriter ??= this.hooks.progressWriter())?.report(progress);
    this.hooks.log().debug({ progress }, 'progress');
    this.events.emit('progress', { queue: this.queue, id: this.event.id, name: this.event.name, progress });
  }

  /** Store the last progress value not written yet, if any (the handler has ended); undefined when it never reported any. */
  flushProgress(): Promise<void> | undefined {
    return this.#progressWriter?.flush();
  }

  /** Extend the lease to `duration` from now. */
  extendLease(duration: Duration): Promise<void> {
    return this.lease.extendNow(parseDuration(duration, 'extendLease'));
  }
}
