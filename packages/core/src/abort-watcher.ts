import type { AbortRequest, Backend, LeaseRef } from './contract';
import type { Logger } from './logger';

/** How often a consumer with running handlers asks its backend for abort requests (well within the 1 s promise). */
export const ABORT_POLL_MS = 250;

interface Watched {
  readonly ref: LeaseRef;
  readonly onAbort: (request: AbortRequest) => void;
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

  /** Call `onAbort` (once) when an abort is requested for `ref`; the returned function stops watching. */
  watch(ref: LeaseRef, onAbort: (request: AbortRequest) => void): () => void {
    const w: Watched = { ref, onAbort };
    this.watched.add(w);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), ABORT_POLL_MS);
      this.timer.unref();
    }
    return () => this.unwatch(w);
  }

  private unwatch(w: Watched): void {
    this.watched.delete(w);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private async poll(): Promise<void> {
    // A slow backend must not pile up overlapping polls.
    if (this.polling || this.watched.size === 0) return;
    this.polling = true;
    const batch = [...this.watched];
    try {
      const found = await this.backend.abortRequests(batch.map((w) => w.ref));
      batch.forEach((w, i) => {
        const request = found[i];
        if (request === undefined || !this.watched.has(w)) return;
        this.unwatch(w);
        w.onAbort(request);
      });
    } catch (err) {
      this.log.warn({ err }, 'checking for abort requests failed; retrying');
    } finally {
      this.polling = false;
    }
  }
}
