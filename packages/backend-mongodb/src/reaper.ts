import type { Logger } from '@wrkr/core/backend';
import type { QueueStore } from './queue-store';

// Deletes are batched, and spaced by four times the last batch's duration: on FerretDB v1 a delete
// scans its whole table, so on a deep queue back-to-back deletes would starve claims. On MongoDB
// batches are quick and the spacing stays at the minimum.
const MIN_FLUSH_DELAY_MS = 200;
const MAX_FLUSH_DELAY_MS = 5_000;
const MAX_BATCH = 5_000;

/**
 * Removes finished items (acked, failed, cancelled) in batches. Finished items are already invisible to
 * claims and stats (their final lease entry says so), so removal may lag without changing behaviour.
 * A completed item to keep is recorded in `<ns>.completed` before it is handed here (see CompletedStore).
 */
export class Reaper {
  readonly #finished = new Map<string, Map<string, string>>();
  #timer?: NodeJS.Timeout;
  #flushing?: Promise<void>;
  #delay = MIN_FLUSH_DELAY_MS;

  constructor(
    private readonly store: (queue: string) => Promise<QueueStore>,
    private readonly log: Logger,
  ) {}

  /** Queue finished item incarnations for removal. */
  finished(queue: string, items: ReadonlyArray<{ id: string; c: string }>): void {
    let m = this.#finished.get(queue);
    if (m === undefined) this.#finished.set(queue, (m = new Map<string, string>()));
    for (const { id, c } of items) m.set(id, c);
    this.#arm();
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch((err: unknown) => this.log.warn({ err }, 'removing finished items failed; will retry'));
    }, this.#delay);
  }

  /** Remove everything queued so far. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
    this.#flushing = this.#flush().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const started = Date.now();
    // Only what is queued now: items finished during this flush wait for the next one, so a busy
    // queue gets one delete per spacing interval instead of back-to-back deletes.
    const work = [...this.#finished];
    this.#finished.clear();
    try {
      for (const [queue, m] of work) {
        const store = await this.store(queue);
        const items = [...m].map(([id, c]) => ({ id, c }));
        for (let i = 0; i < items.length; i += MAX_BATCH) {
          const batch = items.slice(i, i + MAX_BATCH);
          await store.remove(batch);
          for (const { id } of batch) m.delete(id);
        }
      }
    } finally {
      this.#delay = Math.min(MAX_FLUSH_DELAY_MS, Math.max(MIN_FLUSH_DELAY_MS, 4 * (Date.now() - started)));
      // What a failed flush did not remove is queued again; an incarnation queued since then is newer and wins.
      for (const [queue, m] of work) if (m.size > 0) this.#requeue(queue, m);
      if (this.#finished.size > 0) this.#arm();
    }
  }

  #requeue(queue: string, left: Map<string, string>): void {
    const m = this.#finished.get(queue);
    if (m === undefined) {
      this.#finished.set(queue, left);
      return;
    }
    for (const [id, c] of left) if (!m.has(id)) m.set(id, c);
  }

  /** Stop the timer (pending work stays queued for a last flush). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
