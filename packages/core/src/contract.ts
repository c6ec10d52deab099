/**
 * The Backend contract: storage and broker mechanics only. Every policy decision (retries, backoff,
 * concurrency, lease renewal, request/reply, serialization, schedule arithmetic) lives in core, so a
 * backend stays small. `@wrkr/backend-tests` checks every guarantee stated here.
 */

/** Version of this contract; a backend states the version it implements. */
export const BACKEND_CONTRACT_VERSION = 1;

/** What a backend can do. Our backends declare every flag true; the conformance suite skips (loudly) what is false. */
export interface BackendCapabilities {
  /** `dueAt` on publish/send: items are held until due. */
  readonly delayed: boolean;
  /** `cancel(id)` of a delayed item before it is due. */
  readonly cancel: boolean;
  /** Recurring schedules: `upsertSchedule`, `fireSchedule`, … */
  readonly schedules: boolean;
  /** Failed-item store: `failed`, `replay`, `purgeFailed`. */
  readonly failedStore: boolean;
  /** Worker registry: `registerWorker`, `heartbeat`, `workers`. */
  readonly workers: boolean;
  /** Data survives a new client instance on the same server and namespace. */
  readonly persistent: boolean;
  /** A message whose id is already pending in a queue is not added to it again (publish and send de-duplicate). */
  readonly idempotentIds: boolean;
  /** `pause`/`resume` of a queue: persisted, honoured by every client's claims within a second. */
  readonly pause: boolean;
  /** `abort` of a running item, seen by the lease holder in any client through `abortRequests`. */
  readonly abort: boolean;
  /** Stored handler progress: `setProgress` and `progress`. */
  readonly progress: boolean;
  /** `job(queue, id)`: one item's state and contents, whatever its state. */
  readonly jobLookup: boolean;
  /** `jobs(queue, { state })`: a page of one state, in the order the state is defined by. */
  readonly listings: boolean;
  /** `pending()`: delayed publishes not yet routed. */
  readonly pendingList: boolean;
  /** `priority` on publish/send: a higher priority is claimed first, FIFO by due time within one; retries keep it. */
  readonly priorities: boolean;
  /** `ack(ref, { keep })`: the item is kept as completed, with its result, within the given retention. */
  readonly keepCompleted: boolean;
  /** Sticky pull: `claim` with a `holder` hands that holder back the item it still holds a live lease on; `heldBy` finds that lease. */
  readonly stickyPull: boolean;
  /**
   * Lifecycle events across processes: `publishLifecycle` reaches the `watchLifecycle` watchers of the
   * queue in every client (best-effort, live), and `counters` keeps durable per-queue totals.
   */
  readonly lifecycleEvents: boolean;
  /** Job keys on publish/send (`key`, `keyMode`, `keyTtlMs`): dedupe, debounce and throttle per key, atomic across clients. */
  readonly jobKeys: boolean;
  /**
   * `setQueueLimits`/`queueLimits`: a queue's concurrency and sliding-window rate limits, persisted and
   * honoured atomically by the claims of every client together.
   */
  readonly queueLimits: boolean;
  /**
   * `QueueLimits.group`: items grouped by their `tid` or a header, each group held to its own concurrency
   * and rate, and groups served fairly (round-robin) by the claims of every client together.
   */
  readonly fairGroups: boolean;
}

/** Every capability offered: a backend spreads it and sets `false`, with its reason, what it lacks. */
export const ALL_CAPABILITIES: BackendCapabilities = Object.freeze({
  delayed: true,
  cancel: true,
  schedules: true,
  failedStore: true,
  workers: true,
  persistent: true,
  idempotentIds: true,
  pause: true,
  abort: true,
  progress: true,
  jobLookup: true,
  listings: true,
  pendingList: true,
  priorities: true,
  keepCompleted: true,
  stickyPull: true,
  lifecycleEvents: true,
  jobKeys: true,
  queueLimits: true,
  fairGroups: true,
});

/** The stored form of an event. `body` is opaque to backends (core encodes and may encrypt `data`). */
export interface Message {
  /** Unique id (ULID unless given by the publisher). */
  readonly id: string;
  /** Dot-separated event name, e.g. `ourapp.user.added`. */
  readonly name: string;
  /** Id of the thing the event is about. */
  readonly tid?: string;
  /** String headers: correlation, trace context, owner, reply address. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Encoded data; absent when the event has no data. */
  readonly body?: string;
  /** Epoch ms when the event was published. */
  readonly publishedAt: number;
}

/** One message to write, with an optional due time. */
export interface Outgoing {
  /** The message. */
  readonly message: Message;
  /** Epoch ms before which the message must not be delivered; absent or past means now. */
  readonly dueAt?: number;
  /** 0–9, higher claimed first; absent means 0. Kept by retries and releases of the item. */
  readonly priority?: number;
  /**
   * With `capabilities.jobKeys`: the item's key (1…MAX_KEY_CHARS characters), acting in its scope by
   * `keyMode`. The scope is the queue for a send and for each queue an undelayed publish reaches; for a
   * delayed publish it is the namespace's pending delayed publishes (routed later without the key).
   */
  readonly key?: string;
  /** How `key` acts (required with it). */
  readonly keyMode?: KeyMode;
  /** `throttle` only (required with it): the window in ms (≥ 1) during which later items of the key are dropped. */
  readonly keyTtlMs?: number;
}

/**
 * How a job key acts within its scope. `dedupe`: while an item holding the key is pending there (ready,
 * delayed or in flight), a new one is not added. `debounce`: the new one replaces the pending one holding
 * the key (ready or delayed, at the new item's due time); one in flight is not replaced: the new one is
 * added beside it and takes the key. `throttle`: the first item in `keyTtlMs` is added, later ones in
 * that window are dropped, whatever became of the first. A key is released when its holder is acked,
 * failed, cancelled, replaced or deleted with its queue; a replayed item holds none.
 */
export type KeyMode = 'dedupe' | 'debounce' | 'throttle';

/** What a key did to one item of a publish/send in one scope. */
export interface KeyOutcome {
  /** Position of the item in the call's `items`. */
  readonly index: number;
  /** The queue; absent for a delayed publish (the scope of the pending delayed publishes). */
  readonly queue?: string;
  /** `added` (no holder), `replaced` (debounce removed the pending holder), `deduped` or `throttled` (dropped). */
  readonly outcome: 'added' | 'replaced' | 'deduped' | 'throttled';
  /** `replaced`: the id removed; `deduped`: the id of the pending holder. */
  readonly id?: string;
}

/** A message handed to one consumer under a lease. */
export interface Delivery {
  /** The queue it was taken from. */
  readonly queue: string;
  /** The message. */
  readonly message: Message;
  /** Opaque token proving this lease; required by ack/nack/extend. */
  readonly token: string;
  /** 1 for the first delivery, +1 for each later delivery of the same item. */
  readonly attempt: number;
  /** Epoch ms when the lease runs out unless extended. */
  readonly leaseUntil: number;
}

/** What an `ack` keeps of the item it completes (with `capabilities.keepCompleted`). */
export interface KeepCompleted {
  /** The handler's result as JSON text (1…MAX_RESULT_CHARS characters); absent: kept without one. */
  readonly result?: string;
  /** Most completed items the queue keeps (1…MAX_KEEP_COUNT): this ack trims the oldest beyond it. */
  readonly count: number;
  /** Completed items older than this many ms (≥ 1) are trimmed, and never listed or found. */
  readonly ageMs: number;
}

/** Options of `ack`. */
export interface AckOptions {
  /** Keep the item as completed (state `completed`) instead of deleting it. */
  readonly keep?: KeepCompleted;
}

/** Address of a leased item. */
export interface LeaseRef {
  /** Queue name. */
  readonly queue: string;
  /** Message id. */
  readonly id: string;
  /** Lease token from the delivery. */
  readonly token: string;
}

/** A request to stop the handler of an item in flight (see `abort`). */
export interface AbortRequest {
  /** Why, for the handler's error and the logs (at most 1000 characters). */
  readonly reason?: string;
  /** Send the item to the failed store instead of following the retry policy. */
  readonly fail?: boolean;
}

/** Error details kept with a failed or retried item. */
export interface FailureInfo {
  /** Error message. */
  readonly message: string;
  /** Error class name. */
  readonly name?: string;
  /** Stack trace, if any. */
  readonly stack?: string;
  /** Error code, if any. */
  readonly code?: string;
}

/** What to do with a leased item that was not acked. */
export type NackOutcome =
  /** Make it available again at `dueAt` (epoch ms); its attempt count stays. */
  | { readonly kind: 'retry'; readonly dueAt: number; readonly error?: FailureInfo }
  /** Give it back untouched (shutdown): available now, and this delivery does not count as an attempt. */
  | { readonly kind: 'release' }
  /** Move it to the failed store with its error. */
  | { readonly kind: 'fail'; readonly error: FailureInfo };

/** An item in the failed store. */
export interface FailedItem {
  /** Queue it failed in. */
  readonly queue: string;
  /** The message. */
  readonly message: Message;
  /** Deliveries made before it failed. */
  readonly attempt: number;
  /** The last error. */
  readonly error: FailureInfo;
  /** Epoch ms when it was moved to the failed store. */
  readonly failedAt: number;
}

/** Exact counts for one queue. */
export interface QueueStats {
  /** Available to claim now. */
  readonly ready: number;
  /** Waiting for a due time (delayed send or retry backoff). */
  readonly delayed: number;
  /** Leased to a consumer. */
  readonly inFlight: number;
  /** In the failed store. */
  readonly failed: number;
  /** True while the queue is paused (`pause`); absent or false otherwise. */
  readonly paused?: boolean;
}

/** Most items a queue's concurrency limit, or a rate limit's `max`, may allow. */
export const MAX_LIMIT = 1_000_000;

/** Longest window a rate limit may have: one day (a window is kept as one start time per claim). */
export const MAX_RATE_WINDOW_MS = 86_400_000;

/** A queue's flow limits, shared by every client (with `capabilities.queueLimits`). */
export interface QueueLimits {
  /** At most this many items of the queue in flight at once, across every consumer of every client (1…MAX_LIMIT). */
  readonly concurrency?: number;
  /** At most `max` claims (lease starts) in any window of `per` ms: a sliding window, across every client. */
  readonly rate?: { readonly max: number; readonly per: number };
  /** With `capabilities.fairGroups`: per-group limits, and groups served in turn. */
  readonly group?: GroupLimits;
}

/**
 * Per-group flow limits of a queue. An item's group is its event's `tid` (`by: 'tid'`) or the value of the
 * header named by `by`; an item without one is in the group `''`. Each group has at most `concurrency`
 * in flight and `rate.max` claims in any window of `rate.per` ms, across every client; the queue's own
 * limits hold on top. Groups are served fairly: a claim takes from the group whose turn it is (round-robin
 * over the groups with a claimable item), so a group with 10,000 waiting items delays another group's one
 * item by at most one turn. Within a group, items are taken in the queue's usual order (priority, then
 * due time). Changing `by` regroups the items waiting in the queue; a leased item counts toward the group
 * it was claimed in until its lease ends.
 */
export interface GroupLimits {
  /** `'tid'`, or the name of the header whose value is the group. */
  readonly by: string;
  /** At most this many items of one group in flight at once (1…MAX_LIMIT). */
  readonly concurrency?: number;
  /** At most `max` claims of one group in any window of `per` ms (sliding). */
  readonly rate?: { readonly max: number; readonly per: number };
}

/** A recurring schedule as stored. Core computes every time; the backend only stores and compare-and-sets. */
export interface ScheduleRecord {
  /** Unique schedule name. */
  readonly name: string;
  /** The rule: `{ every: ms }` or `{ cron, tz? }`. */
  readonly rule: { readonly every: number } | { readonly cron: string; readonly tz?: string };
  /** Template of the event each occurrence publishes (its `id` and `publishedAt` are set per occurrence). */
  readonly event: { readonly name: string; readonly tid?: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: string };
  /** False while paused: occurrences are not fired. */
  readonly active: boolean;
  /** Epoch ms of the next occurrence. */
  readonly nextRunAt: number;
  /** Epoch ms of the last fired occurrence, if any. */
  readonly lastRunAt?: number;
  /** Epoch ms of the last change of the definition. */
  readonly updatedAt: number;
}

/** A registered worker process. */
export interface WorkerInfo {
  /** Unique worker id. */
  readonly id: string;
  /** Free-form details (host, pid, queues, version). */
  readonly meta: Readonly<Record<string, unknown>>;
  /** Epoch ms of registration. */
  readonly startedAt: number;
  /** Epoch ms of the last heartbeat. */
  readonly heartbeatAt: number;
  /** Epoch ms after which the worker counts as gone. */
  readonly expiresAt: number;
}

/** Options of a claim. */
export interface ClaimOptions {
  /** Most deliveries to return (≥ 1). */
  readonly max: number;
  /** Lease length in ms. */
  readonly leaseMs: number;
  /** When nothing is available, wait up to this many ms for an item to become available (0: return at once). */
  readonly waitMs: number;
  /** Aborts the wait; the claim then resolves with what it has (usually nothing). */
  readonly signal?: AbortSignal;
  /**
   * With `capabilities.stickyPull`, and `max` 1 only: the external worker claiming (an id, as `assertId`
   * takes). While the lease of an earlier claim with this holder on an item of this queue is live (not
   * acked, nacked or expired), the claim returns that item again at once instead of another one, as a
   * new lease of it: a fresh token (the old one is stale from then on), the lease `leaseMs` from now and
   * `attempt` one higher, like every delivery. Otherwise it claims as without a holder, and the lease it
   * takes is the holder's until it ends. A paused queue returns nothing, held item or not.
   */
  readonly holder?: string;
}

/** Page of a listing. */
export interface ListOptions {
  /** Most entries to return. */
  readonly limit?: number;
  /** Entries to skip. */
  readonly offset?: number;
}

/** Where an item of a queue is. */
export type JobState = 'ready' | 'delayed' | 'inFlight' | 'failed' | 'completed';

/** One item of a queue as `job(queue, id)` finds it. */
export interface JobRecord {
  /** Queue it is in. */
  readonly queue: string;
  /** The message. */
  readonly message: Message;
  /** Where it is. */
  readonly state: JobState;
  /** Deliveries so far. */
  readonly attempt: number;
  /** Delayed: epoch ms when it becomes ready. */
  readonly dueAt?: number;
  /** In flight: epoch ms when the lease runs out unless extended. */
  readonly leaseUntil?: number;
  /** Failed: its error; waiting for a retry: the error of the last attempt, where the backend keeps it. */
  readonly error?: FailureInfo;
  /** Epoch ms of its last state change, where the backend records one (failed and completed items always have it). */
  readonly updatedAt?: number;
  /** Completed: the result kept with it (JSON text), when its ack carried one. */
  readonly result?: string;
  /** Pending or failed: its priority (`capabilities.priorities`), absent for the default 0. */
  readonly priority?: number;
}

/** A page of one state of a queue (the base fills in the defaults). */
export interface JobListOptions {
  /** The state to list (`completed`: only items acked with `keep`). */
  readonly state: JobState;
  /** Most entries to return, 1…MAX_JOBS_PAGE (default DEFAULT_JOBS_PAGE). */
  readonly limit: number;
  /** Entries to skip (default 0). */
  readonly offset: number;
}

/** A delayed publish not yet routed to any queue. */
export interface PendingPublish {
  /** Message id (what `cancel` takes). */
  readonly id: string;
  /** Event name it will be routed by. */
  readonly name: string;
  /** Id of the thing it is about. */
  readonly tid?: string;
  /** Epoch ms when it is routed. */
  readonly dueAt: number;
}

/** What happened to an item, as lifecycle watchers see it (`active`: a handler started on it). */
export type LifecycleKind = 'active' | 'progress' | 'completed' | 'failed' | 'retrying';

/** One step of an item's life in a queue, published by the consumer that handles it (see `publishLifecycle`). */
export interface LifecycleEvent {
  /** What happened. */
  readonly kind: LifecycleKind;
  /** Queue of the item. */
  readonly queue: string;
  /** Message id. */
  readonly id: string;
  /** Event name of the message. */
  readonly name: string;
  /** The delivery's attempt (1 for the first). */
  readonly attempt: number;
  /** Epoch ms when it happened. */
  readonly at: number;
  /** `progress`: the reported value as JSON text (1…MAX_PROGRESS_CHARS characters). */
  readonly progress?: string;
  /** `completed`: the handler's result as JSON text (1…MAX_RESULT_CHARS characters), when it has one. */
  readonly result?: string;
  /** `failed` and `retrying`: the error. */
  readonly error?: FailureInfo;
  /** `retrying`: epoch ms when the next attempt becomes due. */
  readonly dueAt?: number;
}

/** Receives a queue's lifecycle events; called once per event, never concurrently with itself per watcher. */
export type LifecycleListener = (event: LifecycleEvent) => void;

/** A live `watchLifecycle` subscription. */
export interface LifecycleSubscription {
  /** Stop receiving (idempotent); no listener call starts after it resolves. */
  close(): Promise<void>;
}

/**
 * Durable totals of one queue's outcomes, as counted by `publishLifecycle` (a Prometheus counter each:
 * they only grow, until `deleteQueue` resets them). Unlike `QueueStats.failed` (the failed store's size
 * now), `failed` here counts every item that ever failed, replayed or purged since.
 */
export interface QueueCounters {
  /** `completed` events published. */
  readonly completed: number;
  /** `failed` events published. */
  readonly failed: number;
  /** `retrying` events published. */
  readonly retried: number;
  /** Epoch ms of the first counted event (counting started then), absent while all are 0. */
  readonly since?: number;
}

/** Largest page of `jobs`. */
export const MAX_JOBS_PAGE = 1000;
/** Page size of `jobs` when none is given. */
export const DEFAULT_JOBS_PAGE = 50;

/**
 * A storage/broker backend. All methods may reject with a `BackendError`; none may half-apply a call
 * (each call is atomic as observed by other clients). A namespace, fixed at construction, isolates all
 * data: two backends on one server with different namespaces never see each other's data.
 */
export interface Backend {
  /** Short name used in logs and errors, e.g. `redis`. */
  readonly name: string;
  /** Contract version implemented; must equal BACKEND_CONTRACT_VERSION. */
  readonly contractVersion: number;
  /** What this backend can do. */
  readonly capabilities: BackendCapabilities;

  /** Connect and prepare storage (indexes, scripts). Idempotent. */
  start(): Promise<void>;
  /**
   * Disconnect. Pending claims resolve empty. Items leased through this client are never lost: they
   * become available again no later than their lease expiry (a broker may return them at once). Idempotent.
   */
  close(): Promise<void>;

  /** Bind a queue to a pattern (idempotent). Creates the queue. Later publishes matching it reach the queue. */
  bind(queue: string, pattern: string): Promise<void>;
  /** Remove one binding (idempotent). Items already in the queue stay. */
  unbind(queue: string, pattern: string): Promise<void>;
  /** Bindings, all or of one queue, as `{ queue, pattern }` pairs. */
  bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>>;
  /** Names of every known queue (bound, or holding items). */
  queues(): Promise<string[]>;
  /** Delete a queue: its bindings, items, in-flight leases and failed items. */
  deleteQueue(queue: string): Promise<void>;

  /**
   * Publish messages by name. Once resolved each message is durable: an undelayed one is in every queue
   * bound (at that moment) to a pattern matching its name; a delayed one is stored once and routed to the
   * queues bound at its due time. A delayed publish whose id is already stored is ignored. With
   * `capabilities.idempotentIds`, a message whose id is already pending in a queue (ready, delayed or in
   * flight) is not added to that queue again. Items of one call apply in order (a later item's key sees
   * an earlier one's). Resolves with one KeyOutcome per keyed item per scope it reached (empty without keys),
   * decided in the same atomic step as the write.
   */
  publish(items: readonly Outgoing[]): Promise<KeyOutcome[]>;
  /** Put messages straight into one queue (no routing), with the same durability, id and key rules as publish. */
  send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]>;
  /**
   * Cancel a message that is not yet due: a delayed publish, or a delayed item of any queue with this id.
   * Returns true when something was removed; it will then never be delivered.
   */
  cancel(id: string): Promise<boolean>;

  /**
   * Lease up to `max` available items of a queue. An item is available when it is due and not leased, or
   * its lease has expired. Each returned delivery has a fresh token and `attempt` one higher than the
   * item's previous delivery. No item is leased to two consumers at once. Waits up to `waitMs` when none
   * is available, returning as soon as one becomes available (including by its due time passing).
   */
  claim(queue: string, options: ClaimOptions): Promise<Delivery[]>;
  /**
   * Remove a leased item. Returns false (and changes nothing) when the token no longer holds the lease.
   * With `options.keep` (and `capabilities.keepCompleted`) the item is kept instead, in the same atomic
   * step, as `completed` with `keep.result` and its completion time as `updatedAt`, replacing an
   * earlier completion of the same id; the queue's completed items are then trimmed to the newest
   * `keep.count`, and those older than `keep.ageMs` are dropped (never shown again by `job`/`jobs`).
   */
  ack(ref: LeaseRef, options?: AckOptions): Promise<boolean>;
  /** Retry, release or fail a leased item. Returns false (and changes nothing) when the token is stale. */
  nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean>;
  /** Set the lease to end `leaseMs` from now. Returns false (and changes nothing) when the token is stale. */
  extend(ref: LeaseRef, leaseMs: number): Promise<boolean>;
  /**
   * With `capabilities.stickyPull`: the live lease `holder` holds on an item of `queue` (taken by a claim
   * with that holder, since neither acked, nacked nor expired), with its current token, or undefined.
   * Ack, nack and extend it by that reference: if the lease ends meanwhile the token is stale and they
   * return false, so acting on a holder's item stays one compare-and-set.
   */
  heldBy(queue: string, holder: string): Promise<LeaseRef | undefined>;

  /** Exact counts of one queue. */
  stats(queue: string): Promise<QueueStats>;
  /**
   * With `capabilities.jobLookup`: the item `id` of `queue` (ready, delayed, in flight or failed; a due
   * delayed item is ready, an expired lease ready), or undefined when the queue does not hold it. With
   * `capabilities.keepCompleted`, an id the queue holds no other way is found `completed` while kept.
   */
  job(queue: string, id: string): Promise<JobRecord | undefined>;
  /**
   * With `capabilities.listings`: a page of the items of `queue` in one state, each as `job` reports it,
   * ordered as they will be taken (ready), by due time (delayed), by lease end (inFlight), most recently
   * failed first (failed), most recently completed first (completed: empty without
   * `capabilities.keepCompleted`). A due delayed item and an expired lease are ready, as in `job`.
   */
  jobs(queue: string, options: Partial<JobListOptions> & Pick<JobListOptions, 'state'>): Promise<JobRecord[]>;
  /**
   * With `capabilities.pendingList`: a page of the delayed publishes stored and not yet routed, soonest
   * due first (`limit` default DEFAULT_JOBS_PAGE). Each can be cancelled by id.
   */
  pending(options?: ListOptions): Promise<PendingPublish[]>;
  /** Failed items of a queue, oldest first. */
  failed(queue: string, options?: ListOptions): Promise<FailedItem[]>;
  /** Move failed items (all, or those ids) back to ready with attempt 0. Returns how many moved. */
  replay(queue: string, ids?: readonly string[]): Promise<number>;
  /** Delete failed items (all, or those ids). Returns how many were deleted. */
  purgeFailed(queue: string, ids?: readonly string[]): Promise<number>;

  /** Create or replace a schedule by name. */
  upsertSchedule(record: ScheduleRecord): Promise<void>;
  /** Delete a schedule. Returns false when it did not exist. */
  removeSchedule(name: string): Promise<boolean>;
  /** One schedule, or undefined. */
  getSchedule(name: string): Promise<ScheduleRecord | undefined>;
  /** All schedules, by name. */
  listSchedules(): Promise<ScheduleRecord[]>;
  /**
   * Fire one occurrence, exactly once across all clients: when the stored schedule still has
   * `nextRunAt === expectedRunAt` (and `updatedAt === expectedUpdatedAt`), atomically set `nextRunAt` to
   * `nextRunAt`, `lastRunAt` to `expectedRunAt`, and publish `message`; return true. Otherwise change
   * nothing and return false. If the call fails midway, a retry with the same arguments must not publish twice.
   */
  fireSchedule(
    name: string,
    expected: { readonly runAt: number; readonly updatedAt: number },
    nextRunAt: number,
    message: Message,
  ): Promise<boolean>;

  /**
   * Register a worker id for `ttlMs`, held by `instance` (a random token of the registering process).
   * Returns false when another instance holds a live registration of this id.
   */
  registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean>;
  /** Renew a registration held by `instance`. Returns false when it expired and another instance took the id. */
  heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean>;
  /** Remove a registration held by `instance`. */
  unregisterWorker(id: string, instance: string): Promise<void>;
  /** Live (unexpired) workers. */
  workers(): Promise<WorkerInfo[]>;

  /**
   * Pause a queue (idempotent), persisted like its items: from the moment this resolves, claims of the
   * queue by any client return nothing within a second (waiting claims keep waiting), while items keep
   * arriving, leases in flight keep running, and `stats` reports `paused: true`.
   */
  pause(queue: string): Promise<void>;
  /** Undo `pause` (idempotent): waiting claims of every client take the queue's items again. */
  resume(queue: string): Promise<void>;

  /**
   * With `capabilities.queueLimits`: replace the queue's limits, persisted like its items (`{}` or null
   * removes them). From the moment this resolves, the claims of every client together never lease more
   * than `concurrency` items of the queue at once (an expired lease frees its slot) and never start more
   * than `rate.max` leases in any `rate.per` ms window (sliding, not fixed). A claim held back by a
   * limit is no failure: it returns fewer items (a waiting claim keeps waiting and is served, without
   * busy polling, when a slot frees or the window moves on). Items leased before a limit stay leased.
   */
  setQueueLimits(queue: string, limits: QueueLimits | null): Promise<void>;
  /** With `capabilities.queueLimits`: the queue's stored limits (`{}` when it has none). */
  queueLimits(queue: string): Promise<QueueLimits>;

  /**
   * Ask the holder of an item's current lease, in whichever client, to stop its handler: stores the
   * request with that lease (it is gone with the lease) and returns true; returns false, storing
   * nothing, when the item is not in flight (unleased, lease expired, or unknown).
   */
  abort(queue: string, id: string, request: AbortRequest): Promise<boolean>;
  /**
   * The abort requests standing against these leases, in order (undefined where none). A request
   * made for an earlier lease of the same item never shows up for a later one. Core polls this for its
   * running handlers, so it must be cheap: one round trip for the batch.
   */
  abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>>;

  /**
   * Store the progress (JSON text) of a leased item, replacing the previous value; readable by every
   * client through `progress` while that lease holds, and gone with it (ack, nack, expiry). Returns
   * false (and stores nothing) when the token is stale.
   */
  setProgress(ref: LeaseRef, value: string): Promise<boolean>;
  /** The progress stored for the item's current lease, or undefined (not in flight, or none reported). */
  progress(queue: string, id: string): Promise<string | undefined>;

  /**
   * With `capabilities.lifecycleEvents`: tell each event's queue's watchers, in every client, about the
   * `events` (in order; of any queues; a consumer hands over what one turn produced, so a batch costs one
   * round trip where the backend can), and for each `completed`, `failed` or `retrying` event add one to
   * that counter of its queue. Resolves once the counter changes are durable (readable by `counters` of
   * any client); the notification is best-effort and at-most-once: live watchers of the queue normally
   * get it within a second, in the order this client published, but it is not a durable log — a watcher
   * not subscribed at that moment (or whose connection drops) misses it, and nothing is replayed. The
   * counters are the durable part.
   */
  publishLifecycle(events: readonly LifecycleEvent[]): Promise<void>;
  /**
   * With `capabilities.lifecycleEvents`: call `listener` with the lifecycle events published for `queue`
   * (by any client, this one included) from the moment this resolves until the subscription is closed,
   * best-effort (see `publishLifecycle`); events of other queues never reach it. Closing the backend
   * closes its subscriptions.
   */
  watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription>;
  /** With `capabilities.lifecycleEvents`: the queue's durable outcome totals (all 0 for an unknown queue). */
  counters(queue: string): Promise<QueueCounters>;
}
