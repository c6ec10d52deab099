import type { EventEmitter } from 'node:events';
import { parseDuration, type Duration } from './duration';
import type { WrkrEvent } from './event';
import type { HandlerContext } from './handler';
import type { LazyAbort } from './lazy-abort';
import type { RenewedLease } from './lease-renewer';
import type { Logger } from './logger';
import type { ProgressWriter } from './progress-writer';

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
    private readonly logger: () => Logger,
    private readonly events: EventEmitter,
    private readonly ackNow: () => Promise<boolean>,
    private readonly makeProgressWriter?: () => ProgressWriter,
  ) {}

  #progressWriter?: ProgressWriter;

  /** Acknowledge now; later failures of the handler are logged, not retried. */
  ack(): Promise<boolean> {
    return this.ackNow();
  }

  /** Aborts on shutdown timeout, lease loss or job timeout. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Logger bound to this delivery. */
  get log(): Logger {
    return this.logger();
  }

  /**
   * Report progress as the Wrkr instance's `progress` event, and (throttled) store it and tell the queue's
   * watchers in every process, where the backend can.
   */
  progress(progress: number | Record<string, unknown>): void {
    if (this.makeProgressWriter !== undefined) (this.#progressWriter ??= this.makeProgressWriter()).report(progress);
    this.logger().debug({ progress }, 'progress');
    this.events.emit('progress', { queue: this.queue, id: this.event.id, name: this.event.name, progress });
  }

  /** Store the last progress value not written yet, if any (the handler has ended). */
  flushProgress(): Promise<void> {
    return this.#progressWriter?.flush() ?? Promise.resolve();
  }

  /** Extend the lease to `duration` from now. */
  extendLease(duration: Duration): Promise<void> {
    return this.lease.extendNow(parseDuration(duration, 'extendLease'));
  }
}
