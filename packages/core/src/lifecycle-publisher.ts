import type { Backend, LifecycleEvent } from './contract';
import { resultText } from './keep-completed';
import type { Logger } from './logger';

/**
 * Publishes the consumer's lifecycle events (when the backend has `lifecycleEvents`) without holding up
 * the consumer: a publish is never awaited by the handler loop, and its failure only costs a live
 * notification or a count, so it is logged at debug and dropped. `flush` waits for those in flight, so
 * a stopping Wrkr does not close the backend under its last counts.
 */
export class LifecyclePublisher {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #enabled: boolean;

  constructor(
    private readonly backend: Backend,
    private readonly log: Logger,
  ) {
    this.#enabled = backend.capabilities.lifecycleEvents;
  }

  /** Publish `event` in the background. */
  publish(event: LifecycleEvent): void {
    if (!this.#enabled) return;
    const p = this.backend.publishLifecycle(event).catch((err: unknown) => this.log.debug({ err, kind: event.kind, id: event.id }, 'lifecycle event not published'));
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  /** Wait for every publish started so far. */
  async flush(): Promise<void> {
    await Promise.all([...this.#inFlight]);
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
