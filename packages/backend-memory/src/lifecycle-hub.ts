import type { LifecycleEvent, LifecycleListener, QueueCounters } from '@wrkr/core/backend';

type Counts = { completed: number; failed: number; retried: number; since?: number };

const COUNTED = { completed: 'completed', failed: 'failed', retrying: 'retried' } as const;

/**
 * One namespace's lifecycle events and counters, shared by every client of the store: a publish counts
 * at once (the durable part) and reaches the queue's watchers on a later turn, in publish order, each
 * with its own copy, as a broker would deliver it.
 */
export class LifecycleHub {
  readonly #watchers = new Map<string, Set<LifecycleListener>>();
  readonly #counts = new Map<string, Counts>();

  /** Count `event` and hand it to the queue's watchers. */
  publish(event: LifecycleEvent, now: number): void {
    const field = COUNTED[event.kind as keyof typeof COUNTED] as keyof Omit<Counts, 'since'> | undefined;
    if (field !== undefined) {
      let c = this.#counts.get(event.queue);
      if (c === undefined) this.#counts.set(event.queue, (c = { completed: 0, failed: 0, retried: 0, since: now }));
      c[field]++;
    }
    const watchers = this.#watchers.get(event.queue);
    if (watchers === undefined) return;
    const text = JSON.stringify(event);
    for (const listener of [...watchers]) {
      setImmediate(() => {
        // Unsubscribed meanwhile: a closed watcher gets nothing more.
        if (!watchers.has(listener)) return;
        try {
          listener(JSON.parse(text) as LifecycleEvent);
        } catch {
          // A throwing listener is its own business, as across a broker; the others still get theirs.
        }
      });
    }
  }

  /** Add a watcher of `queue`; returns its removal. */
  watch(queue: string, listener: LifecycleListener): () => void {
    let set = this.#watchers.get(queue);
    if (set === undefined) this.#watchers.set(queue, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#watchers.get(queue) === set) this.#watchers.delete(queue);
    };
  }

  /** The queue's totals. */
  counters(queue: string): QueueCounters {
    const c = this.#counts.get(queue);
    return c === undefined ? { completed: 0, failed: 0, retried: 0 } : { ...c };
  }

  /** Forget the queue's counters (deleteQueue); its watchers stay. */
  reset(queue: string): void {
    this.#counts.delete(queue);
  }
}
