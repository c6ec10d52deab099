import type { Backend, LifecycleEvent } from './contract';
import { resultText } from './keep-completed';
import type { Logger } from './logger';

/**
 * How long lifecycle events are gathered before they go to the backend as one batch: long enough that a
 * consumer running one job at a time hands over several jobs' events per round trip, short enough for
 * watchers ("within a second") and counters to stay live.
 */
export const LIFECYCLE_BATCH_MS = 10;

/**
 * Publishes the consumers' lifecycle events (when the backend has `lifecycleEvents`) without holding up
 * a consumer: events are gathered for LIFECYCLE_BATCH_MS and handed over as one batch (one round trip
 * where the backend can, instead of two per job), a publish is never awaited by the handler
 * loop, and its failure only costs live notifications or counts, so it is logged at debug and dropped.
 * `flush` sends what is gathered and waits for everything in flight, so a stopping Wrkr does not close
 * the backend under its last counts.
 */
export class LifecyclePublisher {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #enabled: boolean;
  #batch: LifecycleEvent[] = [];
  #scheduled?: NodeJS.Timeout;

  constructor(
    private readonly backend: Backend,
    private readonly log: Logger,
  ) {
    this.#enabled = backend.capabilities.lifecycleEvents;
  }

  /** Publish `event` in the background, with the others of its batch. */
  publish(event: LifecycleEvent): void {
    if (!this.#enabled) return;
    this.#batch.push(event);
    this.#scheduled ??= setTimeout(() => this.#send(), LIFECYCLE_BATCH_MS);
  }

  /** Send what is gathered and wait for every publish started so far. */
  async flush(): Promise<void> {
    this.#send();
    await Promise.all([...this.#inFlight]);
  }

  #send(): void {
    clearTimeout(this.#scheduled);
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
