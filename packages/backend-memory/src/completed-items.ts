import type { JobRecord, KeepCompleted, Message } from '@wrkr/core/backend';
import { copyMessage } from './copy';

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
 * The completed items one queue keeps, oldest completion first (a Map keeps insertion order, and a
 * repeated completion is re-inserted), so both trims look only at the front: O(items trimmed) per ack.
 */
export class CompletedItems {
  readonly #items = new Map<string, Completed>();

  constructor(private readonly queue: string) {}

  /** How many are stored (expired ones not trimmed yet included). */
  get size(): number {
    return this.#items.size;
  }

  /** Keep an item completed at `now`, replacing an earlier completion of its id, then trim to `keep`'s bounds. */
  keep(message: Message, attempt: number, keep: KeepCompleted, now: number): void {
    this.#items.delete(message.id);
    this.#items.set(message.id, { message, attempt, ...(keep.result !== undefined && { result: keep.result }), completedAt: now, until: now + keep.ageMs });
    for (const [id, c] of this.#items) {
      if (this.#items.size <= keep.count && c.completedAt > now - keep.ageMs) break;
      this.#items.delete(id);
    }
  }

  /** The kept completion of `id`, unless expired. */
  get(id: string, now: number): JobRecord | undefined {
    const c = this.#items.get(id);
    return c === undefined || c.until <= now ? undefined : this.#record(c);
  }

  /** A page of the unexpired ones, most recent first. */
  page(offset: number, limit: number, now: number): JobRecord[] {
    return [...this.#items.values()]
      .reverse()
      .filter((c) => c.until > now)
      .slice(offset, offset + limit)
      .map((c) => this.#record(c));
  }

  /** Forget every kept item. */
  clear(): void {
    this.#items.clear();
  }

  #record(c: Completed): JobRecord {
    return { queue: this.queue, message: copyMessage(c.message), state: 'completed', attempt: c.attempt, updatedAt: c.completedAt, ...(c.result !== undefined && { result: c.result }) };
  }
}
