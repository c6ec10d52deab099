import {
  type AbortRequest,
  assertId,
  assertKnownKeys,
  BaseBackend,
  ClosedError,
  ValidationError,
  ALL_CAPABILITIES,
  type BackendCapabilities,
  type ClaimOptions,
  type Delivery,
  type FailedItem,
  type JobListOptions,
  type JobRecord,
  type KeepCompleted,
  type KeyOutcome,
  type LeaseRef,
  type LifecycleEvent,
  type LifecycleListener,
  type LifecycleSubscription,
  type ListOptions,
  type Message,
  type NackOutcome,
  type Outgoing,
  type PendingPublish,
  type QueueCounters,
  type QueueLimits,
  type QueueStats,
  type ScheduleRecord,
  type WorkerInfo,
} from '@wrkr/core/backend';
import { ClaimWaiter } from './claim-waiter';
import { MemoryStore } from './memory-store';
import type { NamespaceState } from './namespace-state';

/** Options of a MemoryBackend. */
export interface MemoryBackendOptions {
  /** Isolates all data; backends on one store with different namespaces never see each other's data. Default `wrkr`. */
  namespace?: string;
  /** The store ("server") to use; share one between backends to act as several clients. Default: a private store. */
  store?: MemoryStore;
  /** Clock for every time read; default `Date.now` (a private store's timers use it too). */
  now?: () => number;
}

// Longer setTimeout delays overflow and fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1;


/**
 * The in-process backend, wrkr's embedded default: no I/O, every call atomic, delivery driven by timers
 * aimed at the next due time or lease end (no polling). Data lives in a MemoryStore as long as the store.
 */
export class MemoryBackend extends BaseBackend {
  readonly name = 'memory';
  readonly capabilities: BackendCapabilities = ALL_CAPABILITIES;
  /** The namespace this client works in. */
  readonly namespace: string;
  /** The store this client talks to. */
  readonly store: MemoryStore;
  readonly #now: () => number;
  readonly #waiting = new Set<ClaimWaiter>();
  readonly #watching = new Set<() => void>();
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    super();
    assertKnownKeys(options, ['namespace', 'store', 'now'], 'options');
    const { namespace = 'wrkr', store, now } = options;
    assertId(namespace, 'options.namespace');
    if (store !== undefined && !(store instanceof MemoryStore)) throw new ValidationError('options.store', 'must be a MemoryStore');
    if (now !== undefined && typeof now !== 'function') throw new ValidationError('options.now', 'must be a function returning epoch ms');
    this.namespace = namespace;
    this.#now = now ?? Date.now;
    this.store = store ?? new MemoryStore({ now: this.#now });
  }

  protected _start(): Promise<void> {
    return this.#run(() => undefined);
  }

  protected _close(): Promise<void> {
    this.#closed = true;
    for (const waiter of [...this.#waiting]) waiter.settle([]);
    for (const unwatch of [...this.#watching]) unwatch();
    return Promise.resolve();
  }

  protected _bind(queue: string, pattern: string): Promise<void> {
    return this.#run((ns) => {
      ns.bind(queue, pattern);
    });
  }

  protected _unbind(queue: string, pattern: string): Promise<void> {
    return this.#run((ns) => {
      ns.unbind(queue, pattern);
    });
  }

  protected _bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    return this.#run((ns) => ns.bindings(queue));
  }

  protected _queues(): Promise<string[]> {
    return this.#run((ns) => ns.queueNames());
  }

  protected _deleteQueue(queue: string): Promise<void> {
    return this.#run((ns) => {
      ns.deleteQueue(queue);
    });
  }

  protected _publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.#run((ns, now) => ns.publish(items, now));
  }

  protected _send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.#run((ns, now) => ns.send(queue, items, now));
  }

  protected _cancel(id: string): Promise<boolean> {
    return this.#run((ns) => ns.cancel(id));
  }

  protected _claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    return this.#run((ns, now) => {
      const q = ns.queue(queue);
      const got = q.take(options.max, options.leaseMs, now, options.holder);
      const { signal } = options;
      if (got.length > 0 || options.waitMs === 0 || signal?.aborted) return got;
      return new Promise<Delivery[]>((resolve) => {
        const waiter = new ClaimWaiter(options.max, options.leaseMs, options.holder, resolve);
        const giveUp = (): void => waiter.settle([]);
        // Ref'd on purpose: like a pending network call, a waiting claim keeps the process up to waitMs.
        const timer = setTimeout(giveUp, Math.min(options.waitMs, MAX_TIMER_MS));
        signal?.addEventListener('abort', giveUp, { once: true });
        this.#waiting.add(waiter);
        waiter.onSettle(() => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
          this.#waiting.delete(waiter);
        });
        q.wait(waiter, now);
      });
    });
  }

  protected _ack(ref: LeaseRef, keep?: KeepCompleted): Promise<boolean> {
    return this.#run((ns, now) => {
      const q = ns.queue(ref.queue);
      const done = q.ack(ref, now, keep);
      // The freed slot may be what a claim waits for (a concurrency limit).
      q.drain(now);
      return done;
    });
  }

  protected _nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    return this.#run((ns, now) => {
      const q = ns.queue(ref.queue);
      const done = q.nack(ref, outcome, now);
      q.drain(now);
      return done;
    });
  }

  protected _extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    return this.#run((ns, now) => ns.queue(ref.queue).extend(ref, leaseMs, now));
  }

  protected _heldBy(queue: string, holder: string): Promise<LeaseRef | undefined> {
    return this.#run((ns, now) => ns.queue(queue).heldBy(holder, now));
  }

  protected _stats(queue: string): Promise<QueueStats> {
    return this.#run((ns, now) => ns.queue(queue).stats(now));
  }

  protected _job(queue: string, id: string): Promise<JobRecord | undefined> {
    return this.#run((ns, now) => ns.queue(queue).job(id, now));
  }

  protected _jobs(queue: string, options: JobListOptions): Promise<JobRecord[]> {
    return this.#run((ns, now) => ns.queue(queue).jobs(options.state, options.offset, options.limit, now));
  }

  protected _pending(options: Required<ListOptions>): Promise<PendingPublish[]> {
    return this.#run((ns) => ns.pending(options.offset, options.limit));
  }

  protected _failed(queue: string, options?: ListOptions): Promise<FailedItem[]> {
    return this.#run((ns) => ns.queue(queue).failed(options?.offset ?? 0, options?.limit ?? Number.POSITIVE_INFINITY));
  }

  protected _replay(queue: string, ids?: readonly string[]): Promise<number> {
    return this.#run((ns, now) => {
      const q = ns.queue(queue);
      const moved = q.replay(ids, now);
      q.drain(now);
      return moved;
    });
  }

  protected _purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    return this.#run((ns) => ns.queue(queue).purgeFailed(ids));
  }

  protected _upsertSchedule(record: ScheduleRecord): Promise<void> {
    return this.#run((ns) => {
      ns.upsertSchedule(record);
    });
  }

  protected _removeSchedule(name: string): Promise<boolean> {
    return this.#run((ns) => ns.removeSchedule(name));
  }

  protected _getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return this.#run((ns) => ns.getSchedule(name));
  }

  protected _listSchedules(): Promise<ScheduleRecord[]> {
    return this.#run((ns) => ns.listSchedules());
  }

  protected _fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    return this.#run((ns, now) => ns.fireSchedule(name, expected, nextRunAt, message, now));
  }

  protected _registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    return this.#run((ns, now) => ns.workers.register(id, instance, meta, ttlMs, now));
  }

  protected _heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    return this.#run((ns, now) => ns.workers.heartbeat(id, instance, ttlMs, meta, now));
  }

  protected _unregisterWorker(id: string, instance: string): Promise<void> {
    return this.#run((ns) => {
      ns.workers.unregister(id, instance);
    });
  }

  protected _workers(): Promise<WorkerInfo[]> {
    return this.#run((ns, now) => ns.workers.live(now));
  }

  protected _pause(queue: string): Promise<void> {
    return this.#run((ns, now) => {
      ns.queue(queue).setPaused(true, now);
    });
  }

  protected _resume(queue: string): Promise<void> {
    return this.#run((ns, now) => {
      ns.queue(queue).setPaused(false, now);
    });
  }
  protected _setQueueLimits(queue: string, limits: QueueLimits): Promise<void> {
    return this.#run((ns, now) => {
      ns.queue(queue).setLimits(limits, now);
    });
  }

  protected _queueLimits(queue: string): Promise<QueueLimits> {
    return this.#run((ns) => ns.queue(queue).limits);
  }


  protected _abort(queue: string, id: string, request: AbortRequest): Promise<boolean> {
    return this.#run((ns, now) => ns.queue(queue).requestAbort(id, request, now));
  }

  protected _abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    return this.#run((ns, now) => refs.map((ref) => ns.queue(ref.queue).abortRequest(ref, now)));
  }

  protected _setProgress(ref: LeaseRef, value: string): Promise<boolean> {
    return this.#run((ns, now) => ns.queue(ref.queue).setProgress(ref, value, now));
  }

  protected _progress(queue: string, id: string): Promise<string | undefined> {
    return this.#run((ns, now) => ns.queue(queue).progress(id, now));
  }

  protected _publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    return this.#run((ns, now) => {
      for (const event of events) ns.lifecycle.publish(event, now);
    });
  }

  protected _watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    return this.#run((ns) => {
      const remove = ns.lifecycle.watch(queue, listener);
      const unwatch = (): void => {
        remove();
        this.#watching.delete(unwatch);
      };
      this.#watching.add(unwatch);
      return { close: () => Promise.resolve(unwatch()) };
    });
  }

  protected _counters(queue: string): Promise<QueueCounters> {
    return this.#run((ns) => ns.lifecycle.counters(queue));
  }

  /**
   * Run one call on the namespace's data, after routing the delayed publishes that are due. Everything up
   * to `fn`'s result runs synchronously, so each call is atomic for every client of the store; use after
   * close rejects. Not an async function: the result is handed over already settled, without the extra
   * promise turns an `await` of a plain value costs on every call.
   */
  #run<T>(fn: (ns: NamespaceState, now: number) => T | Promise<T>): Promise<T> {
    try {
      if (this.#closed) throw new ClosedError('memory backend');
      const now = this.#now();
      const ns = this.store.namespace(this.namespace);
      ns.tick(now);
      return Promise.resolve(fn(ns, now));
    } catch (err) {
      // What throws here is ClosedError or the store's own errors, all Errors.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(err);
    }
  }
}
