import type { Backend, LeaseRef } from './backend';
import { StaleLeaseError } from './errors';
import type { Logger } from './logger';

/**
 * Keeps one delivery's lease alive while its handler runs, extending it at a third of the lease so two
 * renewals can fail before it lapses. When the lease is lost, `onLost` fires so the handler's signal aborts.
 */
export class LeaseRenewer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly backend: Backend,
    private readonly ref: LeaseRef,
    private leaseMs: number,
    private readonly log: Logger,
    private readonly onLost: (err: StaleLeaseError) => void,
  ) {}

  /** Begin renewing. */
  start(): void {
    this.arm();
  }

  /** Extend now to `leaseMs` from now and keep renewing at that length. */
  async extendNow(leaseMs: number): Promise<void> {
    this.leaseMs = leaseMs;
    const ok = await this.backend.extend(this.ref, leaseMs);
    if (!ok) {
      const err = new StaleLeaseError(this.ref.queue, this.ref.id);
      this.lost(err);
      throw err;
    }
    this.arm();
  }

  /** Stop renewing (the handler finished). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      if (await this.backend.extend(this.ref, this.leaseMs)) return this.arm();
      this.lost(new StaleLeaseError(this.ref.queue, this.ref.id));
    } catch (err) {
      // A failed renewal is retried at the next third; the lease is only lost when the backend says so.
      this.log.warn({ err }, 'lease renewal failed; retrying');
      this.arm();
    }
  }

  private lost(err: StaleLeaseError): void {
    if (this.stopped) return;
    this.stop();
    this.log.warn('lease lost; the item will be redelivered');
    this.onLost(err);
  }
}
