import type { QueueLimits } from '@wrkr/core/backend';
import { Deque } from './deque';

/**
 * A queue's limits (group limits are applied by FairGroups) and what they need to know: the start times of its recent leases, for the sliding
 * rate window (kept only while a rate is set, and never more than `rate.max` of them).
 */
export class FlowLimits {
  #limits: QueueLimits = {};
  readonly #starts = new Deque<number>();

  /** The stored limits (a copy), group limits included. */
  get limits(): QueueLimits {
    const { concurrency, rate, group } = this.#limits;
    return {
      ...(concurrency !== undefined && { concurrency }),
      ...(rate !== undefined && { rate: { ...rate } }),
      ...(group !== undefined && { group: { ...group, ...(group.rate !== undefined && { rate: { ...group.rate } }) } }),
    };
  }

  /** Replace the limits (`{}` for none); the starts are kept while a rate is set, so setting it again does not reopen a full window. */
  set(limits: QueueLimits): void {
    this.#limits = limits;
    if (limits.rate === undefined) this.#starts.clear();
  }

  /** How many of `max` leases may start now with `inFlight` items leased. */
  budget(max: number, inFlight: number, now: number): number {
    const { concurrency, rate } = this.#limits;
    let budget = max;
    if (concurrency !== undefined) budget = Math.min(budget, concurrency - inFlight);
    if (rate !== undefined) budget = Math.min(budget, rate.max - this.#recent(now, rate.per));
    return Math.max(0, budget);
  }

  /** Count `n` leases started at `now`. */
  started(n: number, now: number): void {
    const rate = this.#limits.rate;
    if (rate === undefined) return;
    for (let i = 0; i < n; i++) this.#starts.push(now);
    while (this.#starts.length > rate.max) this.#starts.shift();
  }

  /** When the rate window next lets a lease start, if it is full now (a freed slot is announced otherwise). */
  nextFreeAt(now: number): number {
    const rate = this.#limits.rate;
    if (rate === undefined || this.#recent(now, rate.per) < rate.max) return Number.POSITIVE_INFINITY;
    return this.#starts.at(0)! + rate.per;
  }

  /** Starts within the window ending now; a start `per` ms ago or more has left it. */
  #recent(now: number, per: number): number {
    for (let first = this.#starts.at(0); first !== undefined && first <= now - per; first = this.#starts.at(0)) this.#starts.shift();
    return this.#starts.length;
  }
}
