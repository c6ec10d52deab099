import type { Backend, LeaseRef } from './contract';
import { StaleLeaseError } from './errors';
import { MAX_TIMER_MS } from './duration';
import type { Logger } from './logger';

/** One lease kept alive by a LeaseRenewer. */
export interface RenewedLease {
  /** Extend now to `leaseMs` from now, and keep renewing at that length; throws StaleLeaseError when lost. */
  extendNow(leaseMs: number): Promise<void>;
  /** Stop renewing (the handler finished). */
  stop(): void;
}

/** The delivery a lease belongs to: where a renewal failure is logged and who learns that the lease is lost. */
export interface LeaseOwner {
  /** The delivery's logger. */
  log(): Logger;
  /** The backend said the lease is gone. */
  leaseLost(err: StaleLeaseError): void;
}

/** One tracked lease: also the handle its handler's context holds (one object per delivery, not three). */
class Entry implements RenewedLease {
  renewedAt = Date.now();
  stopped = false;

  constructor(
    private readonly renewer: LeaseRenewer,
    readonly ref: LeaseRef,
    public leaseMs: number,
    readonly owner: LeaseOwner,
  ) {}

  async extendNow(leaseMs: number): Promise<void> {
    this.leaseMs = leaseMs;
    await this.renewer.extendNow(this);
  }

  stop(): void {
    this.renewer.untrack(this);
  }
}

/**
 * Keeps the leases of one consumer's running handlers alive with a single timer (a timer per delivery
 * costs more than the delivery itself). Each lease is extended once a third of it has passed, so two
 * renewals can fail before it lapses; when the backend says a lease is gone, its `onLost` fires.
 */
export class LeaseRenewer {
  private readonly entries = new Set<Entry>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly backend: Backend,
    private readonly leaseMs: number,
  ) {}

  /** Start renewing `ref`'s lease. */
  track(ref: LeaseRef, owner: LeaseOwner): RenewedLease {
    const entry = new Entry(this, ref, this.leaseMs, owner);
    this.entries.add(entry);
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(this.leaseMs / 6))));
      this.timer.unref();
    }
    return entry;
  }

  /** Extend `entry` now, at its lease length; throws StaleLeaseError (and reports it lost) when the backend says it is gone. */
  async extendNow(entry: Entry): Promise<void> {
    if (await this.backend.extend(entry.ref, entry.leaseMs)) {
      entry.renewedAt = Date.now();
      return;
    }
    const err = new StaleLeaseError(entry.ref.queue, entry.ref.id);
    this.lost(entry, err);
    throw err;
  }

  /** Stop renewing `entry`. */
  untrack(entry: Entry): void {
    entry.stopped = true;
    this.entries.delete(entry);
  }

  /** Stop the timer now when no lease is tracked (its consumer stops); otherwise it runs on. */
  stopIfIdle(): void {
    if (this.entries.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    // The timer stops at the first sweep that finds nothing, not with the last lease: a consumer running
    // one job at a time would otherwise make and clear a timer for every job.
    if (this.entries.size === 0) {
      this.stopIfIdle();
      return;
    }
    const now = Date.now();
    for (const entry of this.entries) {
      if (now - entry.renewedAt >= entry.leaseMs / 3) void this.renew(entry, now);
    }
  }

  private async renew(entry: Entry, now: number): Promise<void> {
    // Mark first so the next sweep does not send a second extend while this one is in flight.
    const previous = entry.renewedAt;
    entry.renewedAt = now;
    try {
      if (entry.stopped || (await this.backend.extend(entry.ref, entry.leaseMs))) return;
      this.lost(entry, new StaleLeaseError(entry.ref.queue, entry.ref.id));
    } catch (err) {
      // A failed renewal is retried at the next sweep; the lease is only lost when the backend says so.
      entry.renewedAt = previous;
      entry.owner.log().warn({ err }, 'lease renewal failed; retrying');
    }
  }

  private lost(entry: Entry, err: StaleLeaseError): void {
    if (entry.stopped) return;
    this.untrack(entry);
    entry.owner.log().warn('lease lost; the item will be redelivered');
    entry.owner.leaseLost(err);
  }
}
