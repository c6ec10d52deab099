import type { Backend, LifecycleEvent } from './contract';
import { resultText } from './keep-completed';
import type { Logger } from './logger';

/**
 * Publishes the consumers' lifecycle events (when the backend has `lifecycleEvents`) without holding up
 * a consumer: events are gathered for one turn of the event loop and handed over as one batch (one
 * round trip where the backend can, instead of two per job), a publish is never awaited by the handler
 * loop, and its failure only costs live notifications or counts, so it is logged at debug and dropped.
 * `flush` sends what is gathered and waits for everything in flight, so a stopping Wrkr does not close
 * the backend under its last counts.
 */
export class LifecyclePublisher {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #enabled: boolean;
  #batch: LifecycleEvent[] = [];
  #scheduled?: NodeJS.Immediate;

  constructor(
    private readonly backend: Backend,
    private readonly log: Logger,
  ) {
    this.#enabled = backend.capabilities.lifecycleEvents;
  }

  /** Publish `event` in the background, with the others of this turn. */
  publish(event: LifecycleEvent): void {
    if (!this.#enabled) return;
    this.#batch.push(event);
    this.#scheduled ??= setImmediate(() => this.#send());
  }

  /** Send what is gathered and wait for every publish started so far. */
  async flush(): Promise<void> {
    this.#send();
    await Promise.all([...this.#inFlight]);
  }

  #send(): void {
    clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    const p = this.backend.publishLifecycle(batch).catch((err: unknown) => this.log.debug({ err, events: batch.length }, 'lifecycle events not published'));
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }
}

/** The result carried by a `completed` event: the handler's value as JSON text, when it has a keepable one. */
export function lifecycleResult(value: unknown): { result?: string } {
  try {
    const result = resultText(value, 'result');
    return result === undefined ? {} : { result };
  } catch {
    // Too large or not JSON: watchers still learn of the completion, only without its result.
    return {};
  }
}
