import type { AbortRequest, Backend, LeaseRef } from './contract';
import type { Logger } from './logger';

/** How often a consumer with running handlers asks its backend for abort requests (well within the 1 s promise). */
export const ABORT_POLL_MS = 250;

/** A running handler's lease, and who learns of an abort requested for it. */
export interface Watched {
  /** The lease to ask about. */
  readonly ref: LeaseRef;
  /** An abort was requested (called once). */
  abortRequested(request: AbortRequest): void;
}

/**
 * Finds `wrkr.abort` requests for one consumer's running handlers, from any process: a single timer
 * runs while handlers run and asks the backend about all their leases in one call, so the cost is one
 * round trip per poll per consumer, not per handler, and nothing when the consumer is idle.
 */
export class AbortWatcher {
  private readonly watched = new Set<Watched>();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly backend: Backend,
    private readonly log: Logger,
  ) {}

  /** Call `w.abortRequested` (once) when an abort is requested for `w.ref`, until `unwatch(w)`. */
  watch(w: Watched): void {
    this.watched.add(w);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), ABORT_POLL_MS);
      this.timer.unref();
    }
  }

  /** Stop watching `w`. */
  unwatch(w: Watched): void {
    this.watched.delete(w);
  }

  /** Stop the timer now when nothing is watched (its consumer stops); otherwise it runs on. */
  stopIfIdle(): void {
    if (this.watched.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async poll(): Promise<void> {
    // The timer stops at the first poll that finds nothing, not with the last handler: a consumer running
    // one job at a time would otherwise make and clear a timer for every job.
    if (this.watched.size === 0) {
      this.stopIfIdle();
      return;
    }
    // A slow backend must not pile up overlapping polls.
    if (this.polling) return;
    this.polling = true;
    const batch = [...this.watched];
    try {
      const found = await this.backend.abortRequests(batch.map((w) => w.ref));
      batch.forEach((w, i) => {
        const request = found[i];
        if (request === undefined || !this.watched.has(w)) return;
        this.unwatch(w);
        w.abortRequested(request);
      });
    } catch (err) {
      this.log.warn({ err }, 'checking for abort requests failed; retrying');
    } finally {
      this.polling = false;
    }
  }
}
