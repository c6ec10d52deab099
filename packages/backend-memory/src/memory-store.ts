import { NamespaceState } from './namespace-state';

/** Options of a MemoryStore. */
export interface MemoryStoreOptions {
  /** Clock of the store's timers (due times, lease ends); default `Date.now`. */
  now?: () => number;
}

/**
 * "The server" of the memory backend: it holds all data of all namespaces. MemoryBackend instances that
 * share a store behave like clients of one server; data lives as long as the store.
 */
export class MemoryStore {
  readonly #namespaces = new Map<string, NamespaceState>();
  /** The clock the store's timers read. */
  readonly now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** The data of one namespace, created on first use (for MemoryBackend). */
  namespace(name: string): NamespaceState {
    let ns = this.#namespaces.get(name);
    if (ns === undefined) {
      ns = new NamespaceState(this.now);
      this.#namespaces.set(name, ns);
    }
    return ns;
  }

  /**
   * Simulate the server killing every client connection: pending claims resolve empty at once. Nothing
   * stored is lost and the backends stay usable (as after a reconnect).
   */
  interrupt(): void {
    for (const ns of this.#namespaces.values()) ns.interrupt();
  }

  /** Delete all data of one namespace; its pending claims resolve empty. */
  drop(namespace: string): void {
    this.#namespaces.get(namespace)?.destroy();
    this.#namespaces.delete(namespace);
  }
}
