import { BaseBackend, type AbortRequest, type ClaimOptions, type JobListOptions, type KeepCompleted, type LeaseRef, type LifecycleEvent, type LifecycleListener, type ListOptions, type Message, type NackOutcome, type Outgoing, type QueueLimits, type ScheduleRecord } from '@wrkr/core/backend';
import { MemoryBackend, type MemoryStore } from '@wrkr/backend-memory';

/** A third-party backend in miniature: BaseBackend checks every argument, each _method hands the call on. */
export class DelegatingBackend extends BaseBackend {
  readonly name = 'delegating';
  readonly #inner: MemoryBackend;

  constructor(namespace: string, store: MemoryStore) {
    super();
    this.#inner = new MemoryBackend({ namespace, store });
  }

  get capabilities() { return this.#inner.capabilities; }
  protected _start() { return this.#inner.start(); }
  protected _close() { return this.#inner.close(); }
  protected _bind(queue: string, pattern: string) { return this.#inner.bind(queue, pattern); }
  protected _unbind(queue: string, pattern: string) { return this.#inner.unbind(queue, pattern); }
  protected _bindings(queue?: string) { return this.#inner.bindings(queue); }
  protected _queues() { return this.#inner.queues(); }
  protected _deleteQueue(queue: string) { return this.#inner.deleteQueue(queue); }
  protected _publish(items: readonly Outgoing[]) { return this.#inner.publish(items); }
  protected _send(queue: string, items: readonly Outgoing[]) { return this.#inner.send(queue, items); }
  protected _cancel(id: string) { return this.#inner.cancel(id); }
  protected _claim(queue: string, options: ClaimOptions) { return this.#inner.claim(queue, options); }
  protected _ack(ref: LeaseRef, keep?: KeepCompleted) { return this.#inner.ack(ref, keep && { keep }); }
  protected _nack(ref: LeaseRef, outcome: NackOutcome) { return this.#inner.nack(ref, outcome); }
  protected _extend(ref: LeaseRef, leaseMs: number) { return this.#inner.extend(ref, leaseMs); }
  protected _heldBy(queue: string, holder: string) { return this.#inner.heldBy(queue, holder); }
  protected _stats(queue: string) { return this.#inner.stats(queue); }
  protected _job(queue: string, id: string) { return this.#inner.job(queue, id); }
  protected _jobs(queue: string, options: JobListOptions) { return this.#inner.jobs(queue, options); }
  protected _pending(options: Required<ListOptions>) { return this.#inner.pending(options); }
  protected _failed(queue: string, options?: ListOptions) { return this.#inner.failed(queue, options); }
  protected _replay(queue: string, ids?: readonly string[]) { return this.#inner.replay(queue, ids); }
  protected _purgeFailed(queue: string, ids?: readonly string[]) { return this.#inner.purgeFailed(queue, ids); }
  protected _upsertSchedule(record: ScheduleRecord) { return this.#inner.upsertSchedule(record); }
  protected _removeSchedule(name: string) { return this.#inner.removeSchedule(name); }
  protected _getSchedule(name: string) { return this.#inner.getSchedule(name); }
  protected _listSchedules() { return this.#inner.listSchedules(); }
  protected _fireSchedule(name: string, expected: { runAt: number; updatedAt: number }, nextRunAt: number, message: Message) { return this.#inner.fireSchedule(name, expected, nextRunAt, message); }
  protected _registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number) { return this.#inner.registerWorker(id, instance, meta, ttlMs); }
  protected _heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>) { return this.#inner.heartbeat(id, instance, ttlMs, meta); }
  protected _unregisterWorker(id: string, instance: string) { return this.#inner.unregisterWorker(id, instance); }
  protected _workers() { return this.#inner.workers(); }
  protected _pause(queue: string) { return this.#inner.pause(queue); }
  protected _resume(queue: string) { return this.#inner.resume(queue); }
  protected _abort(queue: string, id: string, request: AbortRequest) { return this.#inner.abort(queue, id, request); }
  protected _abortRequests(refs: readonly LeaseRef[]) { return this.#inner.abortRequests(refs); }
  protected _setProgress(ref: LeaseRef, value: string) { return this.#inner.setProgress(ref, value); }
  protected _progress(queue: string, id: string) { return this.#inner.progress(queue, id); }
  protected _publishLifecycle(events: readonly LifecycleEvent[]) { return this.#inner.publishLifecycle(events); }
  protected _watchLifecycle(queue: string, listener: LifecycleListener) { return this.#inner.watchLifecycle(queue, listener); }
  protected _counters(queue: string) { return this.#inner.counters(queue); }
  protected _setQueueLimits(queue: string, limits: QueueLimits) { return this.#inner.setQueueLimits(queue, limits); }
  protected _queueLimits(queue: string) { return this.#inner.queueLimits(queue); }
}
