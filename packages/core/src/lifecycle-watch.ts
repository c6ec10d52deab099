import { EventEmitter } from 'node:events';
import type { FailureInfo, LifecycleEvent, LifecycleKind, LifecycleSubscription } from './contract';
import type { Logger } from './logger';

/** One lifecycle event of a watched queue, decoded (`progress` and `result` parsed from their JSON text). */
export interface JobLifecycle {
  /** What happened: `active` (a handler started), `progress`, `completed`, `failed` or `retrying`. */
  readonly kind: LifecycleKind;
  /** The queue. */
  readonly queue: string;
  /** The event's id. */
  readonly id: string;
  /** The event's name. */
  readonly name: string;
  /** The delivery's attempt (1 for the first). */
  readonly attempt: number;
  /** Epoch ms when it happened. */
  readonly at: number;
  /** `progress`: the value the handler reported. */
  readonly progress?: unknown;
  /** `completed`: the handler's result, when it returned a JSON value. */
  readonly result?: unknown;
  /** `failed` and `retrying`: the error. */
  readonly error?: FailureInfo;
  /** `retrying`: epoch ms when the next attempt is due. */
  readonly dueAt?: number;
}

/** Events of a LifecycleWatch: one per kind, and `event` for all of them. */
export type LifecycleWatchEvents = { [K in LifecycleKind | 'event']: [JobLifecycle] };

/** Most events buffered for a `for await` loop that falls behind; older ones are dropped (live view, not a log). */
export const WATCH_BUFFER = 10_000;

/**
 * A live view of one queue's job lifecycle across every process (`wrkr.watch(queue)`), after BullMQ's
 * QueueEvents: listen with `on('completed', …)` (or `on('event', …)`), or iterate with `for await`.
 * Best-effort: events published while it was not connected are missed; `wrkr.counters` is the durable part.
 */
export class LifecycleWatch extends EventEmitter<LifecycleWatchEvents> implements AsyncIterable<JobLifecycle> {
  #subscription?: LifecycleSubscription;
  #closed = false;
  readonly #iterators = new Set<{ buffer: JobLifecycle[]; wake?: () => void }>();
  #dropped = 0;

  constructor(
    /** The watched queue. */
    readonly queue: string,
    private readonly log: Logger,
    private readonly onClose: (watch: LifecycleWatch) => void,
  ) {
    super();
  }

  /** Events dropped because a `for await` loop fell more than WATCH_BUFFER events behind. */
  get dropped(): number {
    return this.#dropped;
  }

  /** @internal Attach the backend subscription (Wrkr does, before handing the watch out). */
  attach(subscription: LifecycleSubscription): void {
    this.#subscription = subscription;
  }

  /** @internal Deliver one backend event. */
  deliver(raw: LifecycleEvent): void {
    if (this.#closed) return;
    let event: JobLifecycle;
    try {
      event = decode(raw);
    } catch (err) {
      // Another process's bad JSON must not break this one's view; the event is skipped.
      this.log.warn({ err, id: raw.id }, 'undecodable lifecycle event skipped');
      return;
    }
    for (const it of this.#iterators) {
      if (it.buffer.length >= WATCH_BUFFER) {
        it.buffer.shift();
        this.#dropped++;
      }
      it.buffer.push(event);
      it.wake?.();
    }
    this.#emitSafely(event.kind, event);
    this.#emitSafely('event', event);
  }

  /** Stop watching (idempotent); running `for await` loops end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const it of this.#iterators) it.wake?.();
    this.onClose(this);
    await this.#subscription?.close();
  }

  /** Every event from now until `close`, in arrival order. */
  async *[Symbol.asyncIterator](): AsyncIterator<JobLifecycle> {
    const it: { buffer: JobLifecycle[]; wake?: () => void } = { buffer: [] };
    this.#iterators.add(it);
    try {
      for (;;) {
        const next = it.buffer.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => (it.wake = resolve));
        it.wake = undefined;
      }
    } finally {
      this.#iterators.delete(it);
    }
  }

  #emitSafely(name: keyof LifecycleWatchEvents, event: JobLifecycle): void {
    try {
      this.emit(name, event);
    } catch (err) {
      // A throwing listener must not stop the other listeners' view, nor reach the backend's connection.
      this.log.error({ err, kind: event.kind, id: event.id }, 'lifecycle listener threw');
    }
  }
}

function decode(e: LifecycleEvent): JobLifecycle {
  return {
    kind: e.kind,
    queue: e.queue,
    id: e.id,
    name: e.name,
    attempt: e.attempt,
    at: e.at,
    ...(e.progress !== undefined && { progress: JSON.parse(e.progress) as unknown }),
    ...(e.result !== undefined && { result: JSON.parse(e.result) as unknown }),
    ...(e.error !== undefined && { error: e.error }),
    ...(e.dueAt !== undefined && { dueAt: e.dueAt }),
  };
}
