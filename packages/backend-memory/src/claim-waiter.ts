import type { Delivery } from '@wrkr/core/backend';

/**
 * A claim waiting for items. Whoever makes items available hands them over directly (`settle`), so
 * waiting consumers are served in arrival order without a thundering herd of retried claims. Settles
 * exactly once; every party that tracks the waiter registers its clean-up with `onSettle`.
 */
export class ClaimWaiter {
  #settled = false;
  readonly #cleanups: Array<() => void> = [];

  constructor(
    /** Most deliveries the claim takes. */
    readonly max: number,
    /** Lease length of the claim. */
    readonly leaseMs: number,
    /** The external worker claiming (sticky pull), if any. */
    readonly holder: string | undefined,
    private readonly resolve: (deliveries: Delivery[]) => void,
  ) {}

  /** Run `fn` when the waiter settles. */
  onSettle(fn: () => void): void {
    this.#cleanups.push(fn);
  }

  /** Resolve the claim with `deliveries` (empty on timeout, abort, close or interrupt). */
  settle(deliveries: Delivery[]): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const fn of this.#cleanups) fn();
    this.resolve(deliveries);
  }
}
