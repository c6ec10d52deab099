/** A waiting claim's registration for wake-ups, taken before it queries the store so a wake-up that arrives during the query is kept. */
export interface WakeTicket {
  /** True once woken since the ticket was taken. */
  readonly woken: boolean;
  /** Resolve at `until` (epoch ms), on a wake-up, or on abort, whichever is first. */
  wait(until: number, signal?: AbortSignal): Promise<void>;
  /** Stop receiving wake-ups. */
  release(): void;
}

class Ticket implements WakeTicket {
  woken = false;
  #resolve?: () => void;

  constructor(private readonly onRelease: (t: Ticket) => void) {}

  wake(): void {
    this.woken = true;
    this.#resolve?.();
  }

  wait(until: number, signal?: AbortSignal): Promise<void> {
    if (this.woken || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#resolve = undefined;
        resolve();
      };
      // A local timer, not a server-side blocking timeout: servers check those coarsely (Redis every 1/hz s).
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      signal?.addEventListener('abort', done, { once: true });
      this.#resolve = done;
    });
  }

  release(): void {
    this.onRelease(this);
  }
}

/**
 * Per-queue wake-ups for claims that wait inside a backend: whatever learns that a queue got work (a
 * local publish, a pub/sub announcement) wakes that queue's waiting claims at once instead of leaving
 * them to their next poll.
 */
export class WakeTickets {
  readonly #tickets = new Map<string, Set<Ticket>>();

  /** Register for wake-ups of `queue`. */
  ticket(queue: string): WakeTicket {
    let set = this.#tickets.get(queue);
    if (set === undefined) {
      set = new Set();
      this.#tickets.set(queue, set);
    }
    const t = new Ticket((x) => {
      set.delete(x);
      if (set.size === 0 && this.#tickets.get(queue) === set) this.#tickets.delete(queue);
    });
    set.add(t);
    return t;
  }

  /** Wake every claim waiting on `queue`. */
  wake(queue: string): void {
    for (const t of this.#tickets.get(queue) ?? []) t.wake();
  }

  /** Wake every waiting claim (they re-check their queues): on close, reconnect or a lost announcement. */
  wakeAll(): void {
    for (const set of this.#tickets.values()) for (const t of set) t.wake();
  }
}
