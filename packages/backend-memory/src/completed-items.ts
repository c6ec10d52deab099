import type { JobRecord, KeepCompleted, Message } from '@wrkr/core/backend';
import { copyMessage } from './copy';
import { Deque } from './deque';

/** One completed item kept by an `ack` with `keep`. */
interface Completed {
  readonly message: Message;
  readonly attempt: number;
  readonly result?: string;
  readonly completedAt: number;
  /** Epoch ms from which it is too old to show (its ack's `ageMs` after completion). */
  readonly until: number;
}

/**
 * The completed items one queue keeps: by id, and in completion order in a ring buffer, so both trims
 * look only at the front, O(items trimmed) per ack (a Map alone keeps the order too, but V8 leaves its
 * deleted slots in place until a rehash, and taking from its front walks them). A repeated completion
 * leaves its earlier entry in the buffer, stale: skipped by every walk, dropped when it reaches the front.
 */
export class CompletedItems {
  readonly #byId = new Map<string, Completed>();
  readonly #order = new Deque<Completed>();

  constructor(private readonly queue: string) {}

  /** How many are stored (expired ones not trimmed yet included). */
  get size(): number {
    return this.#byId.size;
  }

  /** Keep an item completed at `now`, replacing an earlier completion of its id, then trim to `keep`'s bounds. */
  keep(message: Message, attempt: number, keep: KeepCompleted, now: number): void {
    const c: Completed = { message, attempt, ...(keep.result !== undefined && { result: keep.result }), completedAt: now, until: now + keep.ageMs };
    this.#byId.set(message.id, c);
    this.#order.push(c);
    for (let front = this.#order.at(0); front !== undefined; front = this.#order.at(0)) {
      const live = this.#byId.get(front.message.id) === front;
      if (live && this.#byId.size <= keep.count && front.completedAt > now - keep.ageMs) break;
      if (live) this.#byId.delete(front.message.id);
      this.#order.shift();
    }
  }

  /** The kept completion of `id`, unless expired. */
  get(id: string, now: number): JobRecord | undefined {
    const c = this.#byId.get(id);
    return c === undefined || c.until <= now ? undefined : this.#record(c);
  }

  /** A page of the unexpired ones, most recent first. */
  page(offset: number, limit: number, now: number): JobRecord[] {
    const out: JobRecord[] = [];
    let skip = offset;
    for (let i = this.#order.length - 1; i >= 0 && out.length < limit; i--) {
      const c = this.#order.at(i)!;
      if (this.#byId.get(c.message.id) !== c || c.until <= now) continue;
      if (skip > 0) skip--;
      else out.push(this.#record(c));
    }
    return out;
  }

  /** Forget every kept item. */
  clear(): void {
    this.#byId.clear();
    this.#order.clear();
  }

  #record(c: Completed): JobRecord {
    return { queue: this.queue, message: copyMessage(c.message), state: 'completed', attempt: c.attempt, updatedAt: c.completedAt, ...(c.result !== undefined && { result: c.result }) };
  }
}
