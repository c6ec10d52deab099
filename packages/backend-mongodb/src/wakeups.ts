/** A claim's registration for wake-ups, taken before it queries so a wake-up during the query is kept. */
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
 * In-process wake-ups per queue: a publish, send, nack or routed delayed item of any backend instance
 * of this process wakes the claims waiting on that queue at once, without a round trip to the server.
 * Claims of other processes find the work by polling.
 */
export class Wakeups {
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

  /** Wake every waiting claim (close, reconnect). */
  wakeAll(): void {
    for (const set of this.#tickets.values()) for (const t of set) t.wake();
  }
}

const shared = new Map<string, Wakeups>();

/** The wake-ups shared by every backend instance of this process on one server, database and namespace. */
export function sharedWakeups(key: string): Wakeups {
  let hub = shared.get(key);
  if (hub === undefined) {
    hub = new Wakeups();
    shared.set(key, hub);
  }
  return hub;
}
