import type { AbortRequest, AckOptions, Backend, BaseBackend, ClaimOptions, Delivery, JobListOptions, JobRecord, LeaseRef, LifecycleEvent, LifecycleListener, LifecycleSubscription, ListOptions, Message, NackOutcome, Outgoing, PendingPublish, QueueCounters, QueueLimits, ScheduleRecord, KeyOutcome } from '@wrkr/core/backend';

/** Forwards every call to a real backend; the broken variants below override one behaviour each. */
export class DelegatingBackend implements Backend {
  constructor(protected readonly inner: Backend) {}
  get name(): string {
    return `broken-${this.inner.name}`;
  }
  get contractVersion(): number {
    return this.inner.contractVersion;
  }
  get capabilities(): Backend['capabilities'] {
    return this.inner.capabilities;
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  bind(queue: string, pattern: string): Promise<void> {
    return this.inner.bind(queue, pattern);
  }
  unbind(queue: string, pattern: string): Promise<void> {
    return this.inner.unbind(queue, pattern);
  }
  bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    return this.inner.bindings(queue);
  }
  queues(): Promise<string[]> {
    return this.inner.queues();
  }
  deleteQueue(queue: string): Promise<void> {
    return this.inner.deleteQueue(queue);
  }
  publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.publish(items);
  }
  send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.send(queue, items);
  }
  cancel(id: string): Promise<boolean> {
    return this.inner.cancel(id);
  }
  claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    return this.inner.claim(queue, options);
  }
  ack(ref: LeaseRef, options?: AckOptions): Promise<boolean> {
    return this.inner.ack(ref, options);
  }
  nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    return this.inner.nack(ref, outcome);
  }
  extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    return this.inner.extend(ref, leaseMs);
  }
  heldBy(queue: string, holder: string): Promise<LeaseRef | undefined> {
    return this.inner.heldBy(queue, holder);
  }
  stats(queue: string) {
    return this.inner.stats(queue);
  }
  job(queue: string, id: string): Promise<JobRecord | undefined> {
    return this.inner.job(queue, id);
  }
  jobs(queue: string, options: Partial<JobListOptions> & Pick<JobListOptions, 'state'>): Promise<JobRecord[]> {
    return this.inner.jobs(queue, options);
  }
  pending(options?: ListOptions): Promise<PendingPublish[]> {
    return this.inner.pending(options);
  }
  failed(queue: string, options?: ListOptions) {
    return this.inner.failed(queue, options);
  }
  replay(queue: string, ids?: readonly string[]): Promise<number> {
    return this.inner.replay(queue, ids);
  }
  purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    return this.inner.purgeFailed(queue, ids);
  }
  upsertSchedule(record: ScheduleRecord): Promise<void> {
    return this.inner.upsertSchedule(record);
  }
  removeSchedule(name: string): Promise<boolean> {
    return this.inner.removeSchedule(name);
  }
  getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return this.inner.getSchedule(name);
  }
  listSchedules(): Promise<ScheduleRecord[]> {
    return this.inner.listSchedules();
  }
  fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    return this.inner.fireSchedule(name, expected, nextRunAt, message);
  }
  registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    return this.inner.registerWorker(id, instance, meta, ttlMs);
  }
  heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    return this.inner.heartbeat(id, instance, ttlMs, meta);
  }
  unregisterWorker(id: string, instance: string): Promise<void> {
    return this.inner.unregisterWorker(id, instance);
  }
  workers() {
    return this.inner.workers();
  }
  pause(queue: string): Promise<void> {
    return this.inner.pause(queue);
  }
  resume(queue: string): Promise<void> {
    return this.inner.resume(queue);
  }
  abort(queue: string, id: string, request: AbortRequest): Promise<boolean> {
    return this.inner.abort(queue, id, request);
  }
  abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    return this.inner.abortRequests(refs);
  }
  setProgress(ref: LeaseRef, value: string): Promise<boolean> {
    return this.inner.setProgress(ref, value);
  }
  progress(queue: string, id: string): Promise<string | undefined> {
    return this.inner.progress(queue, id);
  }
  publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    return this.inner.publishLifecycle(events);
  }
  watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    return this.inner.watchLifecycle(queue, listener);
  }
  counters(queue: string): Promise<QueueCounters> {
    return this.inner.counters(queue);
  }
  setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void> {
    return this.inner.setQueueLimits(queue, limits);
  }
  queueLimits(queue: string): Promise<QueueLimits> {
    return this.inner.queueLimits(queue);
  }
}

/** Lifecycle events that never leave the client: its own watchers get them, other clients' never do (counts are kept). */
export class LifecycleOnlyInClient extends DelegatingBackend {
  readonly #watchers = new Set<{ queue: string; listener: LifecycleListener }>();
  override async publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    await this.inner.publishLifecycle(events);
    for (const event of events) for (const w of this.#watchers) if (w.queue === event.queue) w.listener({ ...event });
  }
  override watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    const w = { queue, listener };
    this.#watchers.add(w);
    return Promise.resolve({ close: () => Promise.resolve(void this.#watchers.delete(w)) });
  }
}

/** Loses one event: the last message of the first multi-message publish of each client. */
export class DropsOnePublishedEvent extends DelegatingBackend {
  #dropped = false;
  override publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    if (!this.#dropped && items.length > 1) {
      this.#dropped = true;
      return this.inner.publish(items.slice(0, -1));
    }
    return this.inner.publish(items);
  }
}

/** Ignores due times: delayed publishes and sends are delivered at once. */
export class DeliversBeforeDue extends DelegatingBackend {
  override publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.publish(items.map(({ message }) => ({ message })));
  }
  override send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.send(queue, items.map(({ message }) => ({ message })));
  }
}

/** Routes a point-to-point send by the event's name, as a publish would, instead of to the named queue. */
export class SendRoutesByName extends DelegatingBackend {
  override send(_queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.publish(items);
  }
}

/** Priority inversion: valid priorities are dropped (invalid ones still reach the checks), so every item is claimed FIFO. */
export class DropsPriority extends DelegatingBackend {
  override publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.publish(items.map(withoutPriority));
  }
  override send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.inner.send(queue, items.map(withoutPriority));
  }
}

function withoutPriority(item: Outgoing): Outgoing {
  const { priority, ...rest } = item;
  return Number.isInteger(priority) && priority! >= 0 && priority! <= 9 ? rest : item;
}

/** A dedupe that does not dedupe: dedupe keys are dropped before the write (each item reported added), so a key is admitted twice. */
export class AdmitsDuplicateKeys extends DelegatingBackend {
  override async send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    const plain = items.map((o) => (o.keyMode === 'dedupe' && typeof o.key === 'string' && o.key.length > 0 ? withoutKey(o) : o));
    const outcomes = await this.inner.send(queue, plain);
    const faked = items.flatMap((o, index): KeyOutcome[] => (plain[index] === o ? [] : [{ index, queue, outcome: 'added' }]));
    return [...outcomes, ...faked].sort((a, b) => a.index - b.index);
  }
}

function withoutKey(item: Outgoing): Outgoing {
  const { key: _key, keyMode: _mode, keyTtlMs: _ttl, ...rest } = item;
  return rest;
}

/** A debounce that keeps the first payload: debounce runs as dedupe and reports the drop as a replacement. */
export class DebounceKeepsFirst extends DelegatingBackend {
  override async publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return asReplaced(await this.inner.publish(items.map(debounceAsDedupe)), items);
  }
  override async send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return asReplaced(await this.inner.send(queue, items.map(debounceAsDedupe)), items);
  }
}

function debounceAsDedupe(item: Outgoing): Outgoing {
  return item.keyMode === 'debounce' ? { ...item, keyMode: 'dedupe' } : item;
}

function asReplaced(outcomes: KeyOutcome[], items: readonly Outgoing[]): KeyOutcome[] {
  return outcomes.map((o) => (o.outcome === 'deduped' && items[o.index]?.keyMode === 'debounce' ? { ...o, outcome: 'replaced' } : o));
}

/** What the clients of one broken "server" share, so a wrapper can misbehave across clients. */
export class SharedDeliveries {
  /** Deliveries made, by the client that made them. */
  readonly made: Array<{ client: object; delivery: Delivery; duplicated: boolean }> = [];
  /** Latest lease token of each item, by `queue id`. */
  readonly latestToken = new Map<string, string>();
  /** Items acked, by `queue id`, with the client that acked them (see SeesOthersAcksLate). */
  readonly acked = new Map<string, { client: object; delivery: Delivery }>();
  /** Ids sent or published, in the order the calls were made (see ListsReadyInSendOrder). */
  readonly sent: string[] = [];
}

/** Double delivery: a claim also returns an item another client holds right now. */
export class DeliversToTwoConsumers extends DelegatingBackend {
  constructor(inner: Backend, private readonly shared: SharedDeliveries) {
    super(inner);
  }
  override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    const got = await this.inner.claim(queue, options);
    for (const delivery of got) this.shared.made.push({ client: this, delivery, duplicated: false });
    const other = this.shared.made.find((m) => m.client !== this && !m.duplicated && m.delivery.queue === queue);
    if (other) {
      other.duplicated = true;
      return [...got, other.delivery];
    }
    return got;
  }
}

/** Ignores the lease on ack: a stale ack removes the item now leased by another consumer. */
export class StaleAckRemoves extends DelegatingBackend {
  constructor(inner: Backend, private readonly shared: SharedDeliveries) {
    super(inner);
  }
  override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    const got = await this.inner.claim(queue, options);
    for (const d of got) this.shared.latestToken.set(`${d.queue} ${d.message.id}`, d.token);
    return got;
  }
  override async ack(ref: LeaseRef): Promise<boolean> {
    if (await this.inner.ack(ref)) return true;
    const latest = this.shared.latestToken.get(`${ref.queue} ${ref.id}`);
    return latest !== undefined && latest !== ref.token ? this.inner.ack({ ...ref, token: latest }) : false;
  }
}

/** Fires a schedule twice: a client that lost the race for an occurrence publishes it anyway. */
export class FiresScheduleTwice extends DelegatingBackend {
  override async fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    if (await this.inner.fireSchedule(name, expected, nextRunAt, message)) return true;
    const stored = await this.inner.getSchedule(name);
    if (stored?.lastRunAt !== expected.runAt) return false;
    await this.inner.publish([{ message }]);
    return true;
  }
}

/** A pause only the calling client honours: it is never stored, so other clients keep claiming. */
export class PausesOnlyItself extends DelegatingBackend {
  readonly #paused = new Set<string>();
  override pause(queue: string): Promise<void> {
    this.#paused.add(queue);
    return Promise.resolve();
  }
  override resume(queue: string): Promise<void> {
    this.#paused.delete(queue);
    return Promise.resolve();
  }
  override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    return this.#paused.has(queue) ? [] : this.inner.claim(queue, options);
  }
  override async stats(queue: string) {
    const stats = await this.inner.stats(queue);
    return this.#paused.has(queue) ? { ...stats, paused: true } : stats;
  }
}

/** An abort that never arrives: it is accepted, but never shows up for the lease holder. */
export class AbortNeverArrives extends DelegatingBackend {
  override abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    return Promise.resolve(refs.map(() => undefined));
  }
}

/** Progress that is never stored: accepted for a held lease, but never readable. */
export class ProgressNeverStored extends DelegatingBackend {
  override setProgress(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

/** Job lookup that misreports in-flight items as ready (as if leases were not consulted). */
export class ReportsLeasedAsReady extends DelegatingBackend {
  override async job(queue: string, id: string): Promise<JobRecord | undefined> {
    const record = await this.inner.job(queue, id);
    if (record?.state !== 'inFlight') return record;
    return { queue: record.queue, message: record.message, attempt: record.attempt, state: 'ready' };
  }
}

/**
 * Job lookup whose barrier reaches only the asking client: an ack made by another client is not seen yet,
 * so the item it acked still shows as ready (as a shadow-log index would if only the asker flushed its
 * records before reading).
 */
export class SeesOthersAcksLate extends DelegatingBackend {
  readonly #claimed = new Map<string, Delivery>();
  constructor(
    inner: Backend,
    private readonly shared: SharedDeliveries,
  ) {
    super(inner);
  }
  override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    const got = await this.inner.claim(queue, options);
    for (const d of got) this.#claimed.set(d.token, d);
    return got;
  }
  override async ack(ref: LeaseRef, options?: AckOptions): Promise<boolean> {
    const ok = await this.inner.ack(ref, options);
    const delivery = this.#claimed.get(ref.token);
    if (ok && delivery) this.shared.acked.set(`${ref.queue} ${ref.id}`, { client: this, delivery });
    return ok;
  }
  override async job(queue: string, id: string): Promise<JobRecord | undefined> {
    const record = await this.inner.job(queue, id);
    const late = this.shared.acked.get(`${queue} ${id}`);
    if (record !== undefined || late === undefined || late.client === this) return record;
    return { queue, message: late.delivery.message, attempt: late.delivery.attempt, state: 'ready' };
  }
}

/**
 * Lists ready items in the order they were written (as a log of arrivals has them) instead of the order
 * claims take them, which differs as soon as priorities do.
 */
export class ListsReadyInSendOrder extends DelegatingBackend {
  constructor(
    inner: Backend,
    private readonly shared: SharedDeliveries,
  ) {
    super(inner);
  }
  override send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    for (const i of items) this.shared.sent.push(i.message.id);
    return this.inner.send(queue, items);
  }
  override async jobs(queue: string, options: Partial<JobListOptions> & Pick<JobListOptions, 'state'>): Promise<JobRecord[]> {
    const page = await this.inner.jobs(queue, options);
    if (options.state !== 'ready') return page;
    const at = (r: JobRecord) => this.shared.sent.lastIndexOf(r.message.id);
    return [...page].sort((x, y) => at(x) - at(y));
  }
}

/** Lists delayed items latest due first (a listing that sorts the wrong way). */
export class ListsDelayedLatestFirst extends DelegatingBackend {
  override async jobs(queue: string, options: Partial<JobListOptions> & Pick<JobListOptions, 'state'>): Promise<JobRecord[]> {
    const page = await this.inner.jobs(queue, options);
    return options.state === 'delayed' ? [...page].reverse() : page;
  }
}

/** A pending list missing an item: the last stored delayed publish of each page is left out. */
export class PendingMissesOne extends DelegatingBackend {
  override async pending(options?: ListOptions): Promise<PendingPublish[]> {
    return (await this.inner.pending(options)).slice(0, -1);
  }
}

/** A completion of an id already kept keeps the first result, not the latest (an insert-if-absent store). */
export class KeepsFirstResult extends DelegatingBackend {
  override async ack(ref: LeaseRef, options?: AckOptions): Promise<boolean> {
    const keep = options?.keep;
    if (keep === undefined) return this.inner.ack(ref, options);
    // The item is in flight again, so `job` shows that; the listing holds its earlier completion.
    const earlier = (await this.inner.jobs(ref.queue, { state: 'completed', limit: 1000 })).find((r) => r.message.id === ref.id);
    if (earlier === undefined) return this.inner.ack(ref, options);
    return this.inner.ack(ref, { keep: { count: keep.count, ageMs: keep.ageMs, ...(earlier.result !== undefined && { result: earlier.result }) } });
  }
}

/** Completed items kept without the count bound (only the age trims them). */
export class IgnoresKeepCount extends DelegatingBackend {
  override ack(ref: LeaseRef, options?: AckOptions): Promise<boolean> {
    return this.inner.ack(ref, options?.keep === undefined ? options : { keep: { ...options.keep, count: 100_000 } });
  }
}

/**
 * Limits honoured only by the client that set them: kept in the client and counted over its own leases
 * and starts, so each client of a shared queue gets the whole allowance.
 */
export class LimitsOnlyInClient extends DelegatingBackend {
  readonly #limits = new Map<string, QueueLimits>();
  /** `<queue> <id>` → lease end of this client's leases. */
  readonly #held = new Map<string, number>();
  readonly #starts: number[] = [];
  override setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void> {
    if (limits === null || Object.keys(limits).length === 0) this.#limits.delete(queue);
    else this.#limits.set(queue, limits);
    return Promise.resolve();
  }
  override queueLimits(queue: string): Promise<QueueLimits> {
    return Promise.resolve({ ...this.#limits.get(queue) });
  }
  override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    const { concurrency, rate } = this.#limits.get(queue) ?? {};
    const now = Date.now();
    let budget = options.max;
    if (concurrency !== undefined) budget = Math.min(budget, concurrency - [...this.#held.values()].filter((end) => end > now).length);
    if (rate !== undefined) budget = Math.min(budget, rate.max - this.#starts.filter((t) => t > now - rate.per).length);
    if (budget <= 0) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.waitMs, 20)));
      return [];
    }
    const got = await this.inner.claim(queue, { ...options, max: budget });
    for (const d of got) {
      this.#held.set(`${queue} ${d.message.id}`, d.leaseUntil);
      this.#starts.push(Date.now());
    }
    return got;
  }
  override ack(ref: LeaseRef, options?: AckOptions): Promise<boolean> {
    this.#held.delete(`${ref.queue} ${ref.id}`);
    return this.inner.ack(ref, options);
  }
  override nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    this.#held.delete(`${ref.queue} ${ref.id}`);
    return this.inner.nack(ref, outcome);
  }
}

/**
 * Validates nothing: every call goes straight to the backend's unchecked `_method`, as a backend would
 * that implemented the contract without BaseBackend's argument checks.
 */
export class SkipsArgumentChecks extends DelegatingBackend {
  constructor(inner: BaseBackend) {
    super(inner);
    const unchecked = inner as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const self = this as unknown as Record<string, unknown>;
    for (const method of CHECKED_METHODS) {
      const impl = unchecked[`_${method}`];
      if (typeof impl !== 'function') throw new Error(`${inner.name} has no _${method}`);
      self[method] = (...args: unknown[]) => impl.apply(inner, args);
    }
  }
}

/** The contract methods that take arguments, so BaseBackend checks them. */
const CHECKED_METHODS = [
  'bind', 'unbind', 'bindings', 'deleteQueue', 'publish', 'send', 'cancel', 'claim', 'ack', 'nack', 'extend', 'stats', 'job', 'jobs', 'pending', 'failed', 'replay',
  'purgeFailed', 'upsertSchedule', 'removeSchedule', 'getSchedule', 'fireSchedule', 'registerWorker', 'heartbeat', 'unregisterWorker',
  'pause', 'resume', 'abort', 'abortRequests', 'setProgress', 'progress', 'publishLifecycle', 'watchLifecycle', 'counters',
  'setQueueLimits', 'queueLimits',
] as const;

/** Sticky pull that forgets the holder: a worker re-claiming gets a new item instead of the one it holds. */
export class ForgetsTheHolder extends DelegatingBackend {
  override claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    const { max, leaseMs, waitMs, signal } = options;
    return this.inner.claim(queue, { max, leaseMs, waitMs, ...(signal !== undefined && { signal }) });
  }
}

/** Sticky pull whose holder map is never cleared: a worker is handed its old item again after its lease ended (ack, nack, expiry). */
export class StickinessOutlivesTheLease extends DelegatingBackend {
  readonly #last = new Map<string, Delivery>();
  override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    const key = options.holder === undefined ? undefined : `${queue} ${options.holder}`;
    const old = key === undefined ? undefined : this.#last.get(key);
    if (key !== undefined && old !== undefined && (await this.inner.heldBy(queue, options.holder!)) === undefined) return [old];
    const got = await this.inner.claim(queue, options);
    if (key !== undefined && got[0] !== undefined) this.#last.set(key, got[0]);
    return got;
  }
}

/** Group limits stored with one part missing (`drop`); a group left with neither concurrency nor rate is dropped whole. */
function groupWithout(limits: QueueLimits | null, drop: 'concurrency' | 'rate'): QueueLimits | null {
  if (limits?.group === undefined) return limits;
  const { [drop]: _dropped, ...group } = limits.group;
  const { group: _group, ...rest } = limits;
  return group.concurrency === undefined && group.rate === undefined ? rest : { ...rest, group };
}

/** Stores `limits` after the backend's own checks passed on them as given (so bad input is still refused). */
async function storeAltered(inner: Backend, queue: string, limits: QueueLimits | null, altered: QueueLimits | null): Promise<void> {
  await inner.setQueueLimits(queue, limits);
  await inner.setQueueLimits(queue, altered);
}

/** Group concurrency ignored: the group's in-flight cap is never stored, so clients together hold any number of a group. */
export class IgnoresGroupConcurrency extends DelegatingBackend {
  override setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void> {
    return storeAltered(this.inner, queue, limits, groupWithout(limits, 'concurrency'));
  }
}

/** Group rate ignored: the group's window is never stored, so a group starts as fast as it is claimed. */
export class IgnoresGroupRate extends DelegatingBackend {
  override setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void> {
    return storeAltered(this.inner, queue, limits, groupWithout(limits, 'rate'));
  }
}

// A header no item carries: grouped by it, every item falls in the one group ''.
const NO_HEADER = 'x-broken-no-such-header:';

/**
 * Groups served FIFO: every item is put in one group (the limits hold, stricter than asked), so the
 * queue is served in arrival order and one group's backlog starves the rest. Reported as set.
 */
export class ServesGroupsFifo extends DelegatingBackend {
  override setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void> {
    const group = limits?.group;
    return storeAltered(this.inner, queue, limits, group === undefined ? limits : { ...limits, group: { ...group, by: NO_HEADER + group.by } });
  }
  override async queueLimits(queue: string): Promise<QueueLimits> {
    const limits = await this.inner.queueLimits(queue);
    return limits.group === undefined ? limits : { ...limits, group: { ...limits.group, by: limits.group.by.slice(NO_HEADER.length) } };
  }
}
