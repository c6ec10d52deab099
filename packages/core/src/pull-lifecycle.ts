import type { Backend, FailureInfo, LeaseRef } from './contract';
import type { LifecyclePublisher } from './lifecycle-publisher';
import type { Logger } from './logger';

/** Most pulled leases remembered for their settlement's event; the oldest are forgotten first (a lookup finds them). */
export const PULLED_LEASES_REMEMBERED = 10_000;

/** What a pull-API settlement tells the queue's watchers (and counts), as the consumer would for a handler. */
export type PullOutcome = { readonly kind: 'completed'; readonly result?: string } | { readonly kind: 'failed'; readonly error: FailureInfo } | { readonly kind: 'retrying'; readonly error: FailureInfo; readonly dueAt: number };

interface Identity {
  readonly name: string;
  readonly attempt: number;
}

/**
 * Lifecycle events of `wrkr.ack`/`wrkr.nack` of pulled items, so the durable counters and watchers see
 * external workers' jobs too. A settlement only has the lease `{ queue, id, token }`, and an event needs
 * the item's name and attempt: leases this Wrkr fetched are remembered by token (the HTTP server fetches
 * and settles through one Wrkr); others are read with `job` before the settlement, where the backend has
 * `jobLookup`, and go without an event where it has not.
 */
export class PullLifecycle {
  readonly #leases = new Map<string, Identity>();
  readonly #enabled: boolean;

  constructor(
    private readonly backend: Backend,
    private readonly lifecycle: LifecyclePublisher,
    private readonly log: Logger,
  ) {
    this.#enabled = backend.capabilities.lifecycleEvents;
  }

  /** Remember a lease `fetch` handed out. */
  fetched(token: string, name: string, attempt: number): void {
    if (!this.#enabled) return;
    this.#leases.set(token, { name, attempt });
    if (this.#leases.size > PULLED_LEASES_REMEMBERED) this.#leases.delete(this.#leases.keys().next().value as string);
  }

  /** Run `settle` (true when the lease was live) and, when it settled the item, publish `outcome`. */
  async settle(ref: LeaseRef, settle: () => Promise<boolean>, outcome: PullOutcome): Promise<boolean> {
    if (!this.#enabled) return settle();
    const who = this.#leases.get(ref.token) ?? (await this.#lookup(ref));
    const ok = await settle();
    if (!ok) return false;
    this.#leases.delete(ref.token);
    if (who !== undefined) this.lifecycle.publish({ ...outcome, queue: ref.queue, id: ref.id, name: who.name, attempt: who.attempt, at: Date.now() });
    return true;
  }

  async #lookup(ref: LeaseRef): Promise<Identity | undefined> {
    if (!this.backend.capabilities.jobLookup) {
      this.log.debug({ queue: ref.queue, id: ref.id }, 'pulled item settled without a lifecycle event: not fetched here and the backend has no job lookup');
      return undefined;
    }
    try {
      const record = await this.backend.job(ref.queue, ref.id);
      return record?.state === 'inFlight' ? { name: record.message.name, attempt: record.attempt } : undefined;
    } catch (err) {
      // Only the event is at stake; the settlement itself still runs.
      this.log.debug({ err, queue: ref.queue, id: ref.id }, 'pulled item not looked up; settled without a lifecycle event');
      return undefined;
    }
  }
}
