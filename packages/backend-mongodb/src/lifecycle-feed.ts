import type { LifecycleEvent, LifecycleListener, LifecycleSubscription, Logger } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { CounterStore } from './counter-store';

/** One published lifecycle event, `_id` ascending by publish time (then client, then its sequence). */
export interface EventDoc {
  _id: string;
  q: string;
  /** The event as JSON text: read back exactly as written, whatever the server's BSON mapping. */
  e: string;
  /** Epoch ms it was written (trimmed after EVENT_RETENTION_MS). */
  at: number;
}

/** How long events are kept for watchers to read: a bound on the collection (rate × this), not a log. */
export const EVENT_RETENTION_MS = 60_000;
/** How often a client polls the queues it watches (FerretDB v1 has no change streams). */
const POLL_MS = 100;
/** Events published in one turn go out together: one insertMany, and one counter insert per queue. */
const FLUSH_MS = 10;
/** A write that became visible late (a slower client's insert) is still found if it is at most this late. */
const LOOKBACK_MS = 1_000;
const PAGE = 1_000;
const COUNTED = { completed: 0, failed: 1, retrying: 2 } as const;

/** A sortable id: publish time, then a per-client sequence, then the client, all fixed width. */
function eventId(ms: number, seq: number, client: string): string {
  return `${ms.toString().padStart(15, '0')}.${seq.toString(36).padStart(10, '0')}.${client}`;
}

/**
 * Lifecycle events over a plain collection, since FerretDB v1 has neither change streams nor (until
 * 1.18, and not reliably after) tailable cursors: publishes are batched per turn into one insertMany
 * (and their counts into CounterStore), and each client polls the queues it watches by ascending `_id`,
 * re-reading a short lookback window (deduplicated) so an insert that became visible late is not skipped.
 */
export class LifecycleFeed {
  #buffer: LifecycleEvent[] = [];
  #flushed?: Promise<void>;
  #seq = 0;
  readonly #pollers = new Map<string, Poller>();

  constructor(
    private readonly docs: Collection<EventDoc>,
    private readonly counters: CounterStore,
    private readonly client: string,
    private readonly log: Logger,
  ) {}

  /** Queue `events` for the next flush; resolves once they are written and counted. */
  publish(events: readonly LifecycleEvent[]): Promise<void> {
    this.#buffer.push(...events);
    this.#flushed ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => this.#flush());
    return this.#flushed;
  }

  async #flush(): Promise<void> {
    const events = this.#buffer;
    this.#buffer = [];
    this.#flushed = undefined;
    const now = Date.now();
    const deltas = new Map<string, [number, number, number, number]>();
    for (const e of events) {
      const i = COUNTED[e.kind as keyof typeof COUNTED];
      if (i === undefined) continue;
      let d = deltas.get(e.queue);
      if (d === undefined) deltas.set(e.queue, (d = [0, 0, 0, now]));
      d[i]++;
    }
    await Promise.all([
      this.docs.insertMany(events.map((e) => ({ _id: eventId(now, this.#seq++, this.client), q: e.queue, e: JSON.stringify(e), at: now })), { ordered: true }),
      this.counters.add(deltas, now),
    ]);
  }

  /** Watch `queue`: polled from now on, shared by this client's watchers of the queue. */
  watch(queue: string, listener: LifecycleListener): LifecycleSubscription {
    let poller = this.#pollers.get(queue);
    if (poller === undefined) this.#pollers.set(queue, (poller = new Poller(this.docs, queue, this.log)));
    poller.listeners.add(listener);
    let closed = false;
    return {
      close: () => {
        if (closed) return Promise.resolve();
        closed = true;
        poller.listeners.delete(listener);
        if (poller.listeners.size === 0) {
          poller.stop();
          this.#pollers.delete(queue);
        }
        return Promise.resolve();
      },
    };
  }

  /** Write what is buffered and stop every poller (closing). */
  async close(): Promise<void> {
    for (const p of this.#pollers.values()) p.stop();
    this.#pollers.clear();
    if (this.#flushed !== undefined) await this.#flushed.catch((err: unknown) => this.log.warn({ err }, 'writing lifecycle events at close failed'));
  }

  /** Delete events past their retention. */
  async trim(now: number): Promise<void> {
    await this.docs.deleteMany({ at: { $lt: now - EVENT_RETENTION_MS } });
  }

  /** Forget a deleted queue's events. */
  async drop(queue: string): Promise<void> {
    await this.docs.deleteMany({ q: queue });
  }
}

/** One queue's poll loop in one client. */
class Poller {
  readonly listeners = new Set<LifecycleListener>();
  readonly #since = Date.now();
  /** Ids delivered within the lookback window, by their publish ms. */
  readonly #seen = new Map<string, number>();
  #newestMs = 0;
  #timer?: NodeJS.Timeout;
  #stopped = false;

  constructor(
    private readonly docs: Collection<EventDoc>,
    private readonly queue: string,
    private readonly log: Logger,
  ) {
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#poll().finally(() => this.#arm()), POLL_MS);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      const fromMs = Math.max(this.#since, this.#newestMs - LOOKBACK_MS);
      for (const [id, ms] of this.#seen) if (ms < fromMs) this.#seen.delete(id);
      const docs = await this.docs.find({ q: this.queue, _id: { $gte: eventId(fromMs, 0, '') } }).sort({ _id: 1 }).limit(PAGE + this.#seen.size).toArray();
      for (const d of docs) {
        if (this.#stopped) return;
        if (this.#seen.has(d._id)) continue;
        this.#seen.set(d._id, d.at);
        this.#newestMs = Math.max(this.#newestMs, d.at);
        for (const listener of [...this.listeners]) {
          try {
            listener(JSON.parse(d.e) as LifecycleEvent);
          } catch (err) {
            this.log.warn({ err }, 'lifecycle listener threw');
          }
        }
      }
    } catch (err) {
      this.log.debug({ err, queue: this.queue }, 'polling lifecycle events failed; will retry');
    }
  }
}
