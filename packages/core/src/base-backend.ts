import {
  assertAbortRequest,
  assertAckOptions,
  assertClaimOptions,
  assertFireExpectation,
  assertIds,
  assertJobListOptions,
  assertLeaseRef,
  assertLeaseRefs,
  assertLifecycleEvents,
  assertListOptions,
  assertMessage,
  assertMeta,
  assertMs,
  assertNackOutcome,
  assertOutgoing,
  assertProgressText,
  assertQueueLimits,
  assertScheduleRecord,
  assertTime,
  normalQueueLimits,
} from './backend-input';
import {
  BACKEND_CONTRACT_VERSION,
  type AbortRequest,
  type AckOptions,
  DEFAULT_JOBS_PAGE,
  type Backend,
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
  type QueueLimits,
  type NackOutcome,
  type Outgoing,
  type PendingPublish,
  type QueueCounters,
  type QueueStats,
  type ScheduleRecord,
  type WorkerInfo,
} from './contract';
import { NotSupportedError, ValidationError } from './errors';
import { assertId, assertPattern, assertQueueName } from './validation';

/** Runs `check`; its ValidationError (or NotSupportedError) becomes a rejected promise (a contract method never throws synchronously). */
function refused(check: () => void): Promise<never> | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    const refusal = err as ValidationError | NotSupportedError; // the shared rules and #need throw nothing else
    return Promise.reject(refusal);
  }
}

/** A `_publish`/`_send` that resolves with nothing reports no key outcomes (a write without keys). */
function orNone(outcomes: KeyOutcome[] | void): KeyOutcome[] {
  return outcomes ?? [];
}

/**
 * The base every backend extends, after abstract-level's template method: each public method of the
 * Backend contract checks its arguments with the shared rules (`backend-input.ts`) and only then calls
 * the protected `_method` of the same name, so a backend never validates and every backend refuses the
 * same input with the same ValidationError, before anything is written. `_methods` return promises
 * (reject, never throw) and may trust their arguments' shapes.
 */
export abstract class BaseBackend implements Backend {
  /** Short name used in logs and errors, e.g. `redis`. */
  abstract readonly name: string;
  /** What this backend can do. */
  abstract readonly capabilities: BackendCapabilities;
  /** The contract version this base implements. */
  readonly contractVersion: number = BACKEND_CONTRACT_VERSION;

  /** @inheritdoc */
  start(): Promise<void> {
    return this._start();
  }

  /** @inheritdoc */
  close(): Promise<void> {
    return this._close();
  }

  /** @inheritdoc */
  bind(queue: string, pattern: string): Promise<void> {
    return refused(() => { assertQueueName(queue); assertPattern(pattern); }) ?? this._bind(queue, pattern);
  }

  /** @inheritdoc */
  unbind(queue: string, pattern: string): Promise<void> {
    return refused(() => { assertQueueName(queue); assertPattern(pattern); }) ?? this._unbind(queue, pattern);
  }

  /** @inheritdoc */
  bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    return refused(() => { if (queue !== undefined) assertQueueName(queue); }) ?? this._bindings(queue);
  }

  /** @inheritdoc */
  queues(): Promise<string[]> {
    return this._queues();
  }

  /** @inheritdoc */
  deleteQueue(queue: string): Promise<void> {
    return refused(() => { assertQueueName(queue); }) ?? this._deleteQueue(queue);
  }

  /** @inheritdoc */
  publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return refused(() => { assertOutgoing(items); this.#needKeys(items); }) ?? this._publish(items).then(orNone);
  }

  /** @inheritdoc */
  send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return refused(() => { assertQueueName(queue); assertOutgoing(items); this.#needKeys(items); }) ?? this._send(queue, items).then(orNone);
  }

  /** @inheritdoc */
  cancel(id: string): Promise<boolean> {
    return refused(() => { assertId(id); }) ?? this._cancel(id);
  }

  /** @inheritdoc */
  claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    return refused(() => { assertQueueName(queue); assertClaimOptions(options); if (options.holder !== undefined) this.#need('stickyPull'); }) ?? this._claim(queue, options);
  }

  /** @inheritdoc */
  ack(ref: LeaseRef, options?: AckOptions): Promise<boolean> {
    const checked = refused(() => { assertLeaseRef(ref); assertAckOptions(options); });
    if (checked) return checked;
    const keep = options?.keep;
    if (keep === undefined) return this._ack(ref);
    // Deleting an item its caller asked to keep would lose the result: refuse, and the lease stays.
    if (!this.capabilities.keepCompleted) return Promise.reject(new NotSupportedError('keepCompleted', this.name));
    return this._ack(ref, { ...(keep.result !== undefined && { result: keep.result }), count: keep.count, ageMs: keep.ageMs });
  }

  /** @inheritdoc */
  nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    return refused(() => { assertLeaseRef(ref); assertNackOutcome(outcome); }) ?? this._nack(ref, outcome);
  }

  /** @inheritdoc */
  extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    return refused(() => { assertLeaseRef(ref); assertMs(leaseMs, 'leaseMs', 1); }) ?? this._extend(ref, leaseMs);
  }

  /** @inheritdoc */
  heldBy(queue: string, holder: string): Promise<LeaseRef | undefined> {
    return refused(() => { assertQueueName(queue); assertId(holder, 'holder'); this.#need('stickyPull'); }) ?? this._heldBy(queue, holder);
  }

  /** @inheritdoc */
  stats(queue: string): Promise<QueueStats> {
    return refused(() => { assertQueueName(queue); }) ?? this._stats(queue);
  }

  /** @inheritdoc */
  job(queue: string, id: string): Promise<JobRecord | undefined> {
    return refused(() => { assertQueueName(queue); assertId(id); }) ?? this._job(queue, id);
  }

  /** @inheritdoc */
  jobs(queue: string, options: Partial<JobListOptions> & Pick<JobListOptions, 'state'>): Promise<JobRecord[]> {
    return (
      refused(() => { assertQueueName(queue); assertJobListOptions(options); }) ??
      this._jobs(queue, { state: options.state, limit: options.limit ?? DEFAULT_JOBS_PAGE, offset: options.offset ?? 0 })
    );
  }

  /** @inheritdoc */
  pending(options?: ListOptions): Promise<PendingPublish[]> {
    return refused(() => { assertListOptions(options); }) ?? this._pending({ limit: options?.limit ?? DEFAULT_JOBS_PAGE, offset: options?.offset ?? 0 });
  }

  /** @inheritdoc */
  failed(queue: string, options?: ListOptions): Promise<FailedItem[]> {
    return refused(() => { assertQueueName(queue); assertListOptions(options); }) ?? this._failed(queue, options);
  }

  /** @inheritdoc */
  replay(queue: string, ids?: readonly string[]): Promise<number> {
    return refused(() => { assertQueueName(queue); assertIds(ids); }) ?? this._replay(queue, ids);
  }

  /** @inheritdoc */
  purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    return refused(() => { assertQueueName(queue); assertIds(ids); }) ?? this._purgeFailed(queue, ids);
  }

  /** @inheritdoc */
  upsertSchedule(record: ScheduleRecord): Promise<void> {
    return refused(() => { assertScheduleRecord(record); }) ?? this._upsertSchedule(record);
  }

  /** @inheritdoc */
  removeSchedule(name: string): Promise<boolean> {
    return refused(() => { assertId(name, 'name'); }) ?? this._removeSchedule(name);
  }

  /** @inheritdoc */
  getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return refused(() => { assertId(name, 'name'); }) ?? this._getSchedule(name);
  }

  /** @inheritdoc */
  listSchedules(): Promise<ScheduleRecord[]> {
    return this._listSchedules();
  }

  /** @inheritdoc */
  fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    return (
      refused(() => { assertId(name, 'name'); assertFireExpectation(expected); assertTime(nextRunAt, 'nextRunAt'); assertMessage(message, 'message'); }) ??
      this._fireSchedule(name, expected, nextRunAt, message)
    );
  }

  /** @inheritdoc */
  registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    return refused(() => { assertId(id); assertId(instance, 'instance'); assertMeta(meta); assertMs(ttlMs, 'ttlMs', 1); }) ?? this._registerWorker(id, instance, meta, ttlMs);
  }

  /** @inheritdoc */
  heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    return (
      refused(() => { assertId(id); assertId(instance, 'instance'); assertMs(ttlMs, 'ttlMs', 1); if (meta !== undefined) assertMeta(meta); }) ??
      this._heartbeat(id, instance, ttlMs, meta)
    );
  }

  /** @inheritdoc */
  unregisterWorker(id: string, instance: string): Promise<void> {
    return refused(() => { assertId(id); assertId(instance, 'instance'); }) ?? this._unregisterWorker(id, instance);
  }

  /** @inheritdoc */
  workers(): Promise<WorkerInfo[]> {
    return this._workers();
  }

  /** @inheritdoc */
  pause(queue: string): Promise<void> {
    return refused(() => { assertQueueName(queue); }) ?? this._pause(queue);
  }

  /** @inheritdoc */
  resume(queue: string): Promise<void> {
    return refused(() => { assertQueueName(queue); }) ?? this._resume(queue);
  }

  /** @inheritdoc */
  setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void> {
    return refused(() => { assertQueueName(queue); assertQueueLimits(limits); this.#need('queueLimits'); if (limits?.group !== undefined) this.#need('fairGroups'); }) ?? this._setQueueLimits(queue, normalQueueLimits(limits));
  }

  /** @inheritdoc */
  queueLimits(queue: string): Promise<QueueLimits> {
    return refused(() => { assertQueueName(queue); this.#need('queueLimits'); }) ?? this._queueLimits(queue);
  }

  /** @inheritdoc */
  abort(queue: string, id: string, request: AbortRequest): Promise<boolean> {
    return refused(() => { assertQueueName(queue); assertId(id); assertAbortRequest(request); }) ?? this._abort(queue, id, request);
  }

  /** @inheritdoc */
  abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    return refused(() => { assertLeaseRefs(refs); }) ?? this._abortRequests(refs);
  }

  /** @inheritdoc */
  setProgress(ref: LeaseRef, value: string): Promise<boolean> {
    return refused(() => { assertLeaseRef(ref); assertProgressText(value); }) ?? this._setProgress(ref, value);
  }

  /** @inheritdoc */
  progress(queue: string, id: string): Promise<string | undefined> {
    return refused(() => { assertQueueName(queue); assertId(id); }) ?? this._progress(queue, id);
  }

  /** @inheritdoc */
  publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    return refused(() => { assertLifecycleEvents(events); this.#need('lifecycleEvents'); }) ?? (events.length === 0 ? Promise.resolve() : this._publishLifecycle(events));
  }

  /** @inheritdoc */
  watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    return (
      refused(() => {
        assertQueueName(queue);
        if (typeof listener !== 'function') throw new ValidationError('listener', 'must be a function');
        this.#need('lifecycleEvents');
      }) ?? this._watchLifecycle(queue, listener)
    );
  }

  /** @inheritdoc */
  counters(queue: string): Promise<QueueCounters> {
    return refused(() => { assertQueueName(queue); this.#need('lifecycleEvents'); }) ?? this._counters(queue);
  }

  /** Refuse keyed items unless the backend declares `jobKeys`. */
  #needKeys(items: readonly Outgoing[]): void {
    // A backend without keys would add every keyed item: a dedupe silently not deduping.
    if (items.some((o) => o.key !== undefined)) this.#need('jobKeys');
  }

  /** Refuse a call that needs a capability this backend declares false (the same NotSupportedError as Wrkr's). */
  #need(capability: keyof BackendCapabilities): void {
    if (!this.capabilities[capability]) throw new NotSupportedError(capability, this.name);
  }

  /** `start`: connect and prepare storage; idempotent. */
  protected abstract _start(): Promise<void>;
  /** `close`: disconnect; idempotent. */
  protected abstract _close(): Promise<void>;
  /** `bind` with a valid queue name and pattern. */
  protected abstract _bind(queue: string, pattern: string): Promise<void>;
  /** `unbind` with a valid queue name and pattern. */
  protected abstract _unbind(queue: string, pattern: string): Promise<void>;
  /** `bindings`, of a valid queue name when given. */
  protected abstract _bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>>;
  /** `queues`. */
  protected abstract _queues(): Promise<string[]>;
  /** `deleteQueue` of a valid queue name. */
  protected abstract _deleteQueue(queue: string): Promise<void>;
  /** `publish` of well-formed items (possibly none). */
  protected abstract _publish(items: readonly Outgoing[]): Promise<KeyOutcome[] | void>;
  /** `send` of well-formed items (possibly none) to a valid queue name. */
  protected abstract _send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[] | void>;
  /** `cancel` of a valid id. */
  protected abstract _cancel(id: string): Promise<boolean>;
  /** `claim` with valid options (`max` 1…MAX_CLAIM, whole ms; a `holder` only with `max` 1 and `capabilities.stickyPull`). */
  protected abstract _claim(queue: string, options: ClaimOptions): Promise<Delivery[]>;
  /** `ack` of a well-formed lease reference; `keep` (within its bounds) only with `capabilities.keepCompleted`. */
  protected abstract _ack(ref: LeaseRef, keep?: KeepCompleted): Promise<boolean>;
  /** `nack` of a well-formed lease reference with a known outcome. */
  protected abstract _nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean>;
  /** `extend` of a well-formed lease reference by whole ms ≥ 1. */
  protected abstract _extend(ref: LeaseRef, leaseMs: number): Promise<boolean>;
  /** `heldBy` of a valid queue name and holder id; called only when `capabilities.stickyPull` is true. */
  protected abstract _heldBy(queue: string, holder: string): Promise<LeaseRef | undefined>;
  /** `stats` of a valid queue name. */
  protected abstract _stats(queue: string): Promise<QueueStats>;
  /** `job` of a valid queue name and id. */
  protected abstract _job(queue: string, id: string): Promise<JobRecord | undefined>;
  /** `jobs` of a valid queue name, with the page's defaults filled in. */
  protected abstract _jobs(queue: string, options: JobListOptions): Promise<JobRecord[]>;
  /** `pending` with the page's defaults filled in. */
  protected abstract _pending(options: Required<ListOptions>): Promise<PendingPublish[]>;
  /** `failed` with valid listing options. */
  protected abstract _failed(queue: string, options?: ListOptions): Promise<FailedItem[]>;
  /** `replay` with valid ids, when given. */
  protected abstract _replay(queue: string, ids?: readonly string[]): Promise<number>;
  /** `purgeFailed` with valid ids, when given. */
  protected abstract _purgeFailed(queue: string, ids?: readonly string[]): Promise<number>;
  /** `upsertSchedule` of a well-formed record. */
  protected abstract _upsertSchedule(record: ScheduleRecord): Promise<void>;
  /** `removeSchedule` of a valid name. */
  protected abstract _removeSchedule(name: string): Promise<boolean>;
  /** `getSchedule` of a valid name. */
  protected abstract _getSchedule(name: string): Promise<ScheduleRecord | undefined>;
  /** `listSchedules`. */
  protected abstract _listSchedules(): Promise<ScheduleRecord[]>;
  /** `fireSchedule` with a valid name, whole-ms times and a well-formed message. */
  protected abstract _fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean>;
  /** `registerWorker` with valid ids, JSON meta and whole ms ≥ 1. */
  protected abstract _registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean>;
  /** `heartbeat` with valid ids, whole ms ≥ 1 and JSON meta when given. */
  protected abstract _heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean>;
  /** `unregisterWorker` with valid ids. */
  protected abstract _unregisterWorker(id: string, instance: string): Promise<void>;
  /** `workers`. */
  protected abstract _workers(): Promise<WorkerInfo[]>;
  /** `pause` of a valid queue name. */
  protected abstract _pause(queue: string): Promise<void>;
  /** `resume` of a valid queue name. */
  protected abstract _resume(queue: string): Promise<void>;
  /** `setQueueLimits` of a valid queue name and limits, `{}` for none (null is passed as `{}`); called only when `capabilities.queueLimits` is true. */
  protected abstract _setQueueLimits(queue: string, limits: QueueLimits): Promise<void>;
  /** `queueLimits` of a valid queue name; called only when `capabilities.queueLimits` is true. */
  protected abstract _queueLimits(queue: string): Promise<QueueLimits>;
  /** `abort` with a valid queue name, id and request. */
  protected abstract _abort(queue: string, id: string, request: AbortRequest): Promise<boolean>;
  /** `abortRequests` of well-formed lease references (possibly none). */
  protected abstract _abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>>;
  /** `setProgress` of a well-formed lease reference with JSON text within the size bound. */
  protected abstract _setProgress(ref: LeaseRef, value: string): Promise<boolean>;
  /** `progress` of a valid queue name and id. */
  protected abstract _progress(queue: string, id: string): Promise<string | undefined>;
  /** `publishLifecycle` of a well-formed event; called only when `capabilities.lifecycleEvents` is true. */
  protected abstract _publishLifecycle(events: readonly LifecycleEvent[]): Promise<void>;
  /** `watchLifecycle` of a valid queue name and a function; called only when `capabilities.lifecycleEvents` is true. */
  protected abstract _watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription>;
  /** `counters` of a valid queue name; called only when `capabilities.lifecycleEvents` is true. */
  protected abstract _counters(queue: string): Promise<QueueCounters>;
}
