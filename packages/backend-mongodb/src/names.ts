import { createHash } from 'node:crypto';

// MongoDB 7 limits a namespace (`<db>.<collection>`) to 255 bytes; long queue names are hashed so every
// valid queue name (up to 255 characters) still maps to a legal collection.
const MAX_PLAIN_QUEUE = 100;

/** Collection names of one wrkr namespace: `<namespace>.<what>`, per-queue ones `<namespace>.q.<queue>`. */
export class CollectionNames {
  /** Queue → pattern pairs. */
  readonly bindings: string;
  /** Known queues (bound or ever written to), with their collection suffix. */
  readonly queues: string;
  /** Delayed publishes, routed at their due time. */
  readonly delayed: string;
  /** Recurring schedules. */
  readonly schedules: string;
  /** Worker registrations. */
  readonly workers: string;
  /** Failed items of every queue. */
  readonly failed: string;
  /** Completed items kept for `keepCompleted`. */
  readonly completed: string;
  /** Compare-and-set guards (unique `_id` inserts). */
  readonly guards: string;
  /** Abort requests of running items, by lease token. */
  readonly aborts: string;
  /** Handler progress, by lease token. */
  readonly progress: string;
  /** Lifecycle events, polled by watchers and trimmed after a minute. */
  readonly events: string;
  /** Lifecycle counter deltas (summed on read, compacted). */
  readonly counters: string;
  /** Queue limits, by queue. */
  readonly limits: string;
  /** Lease starts of rate-limited queues (the sliding windows), swept once out of every window. */
  readonly starts: string;
  /** Job key guards and throttle windows. */
  readonly keys: string;
  /** The groups of grouped queues: their turns (the round-robin order) and readiness hints. */
  readonly groups: string;

  constructor(readonly namespace: string) {
    const p = `${namespace}.`;
    this.bindings = `${p}bindings`;
    this.queues = `${p}queues`;
    this.delayed = `${p}delayed`;
    this.schedules = `${p}schedules`;
    this.workers = `${p}workers`;
    this.failed = `${p}failed`;
    this.completed = `${p}completed`;
    this.guards = `${p}guards`;
    this.aborts = `${p}aborts`;
    this.progress = `${p}progress`;
    this.events = `${p}events`;
    this.counters = `${p}counters`;
    this.limits = `${p}limits`;
    this.starts = `${p}starts`;
    this.keys = `${p}keys`;
    this.groups = `${p}groups`;
  }

  /** Suffix identifying a queue's collections. */
  static queueKey(queue: string): string {
    return queue.length <= MAX_PLAIN_QUEUE ? queue : `h${createHash('sha1').update(queue).digest('hex')}`;
  }

  /** The queue's items (one document per pending message). */
  items(queue: string): string {
    return `${this.namespace}.q.${CollectionNames.queueKey(queue)}`;
  }

  /** The queue's lease log (one document per state change of a claimed item). */
  leases(queue: string): string {
    return `${this.namespace}.l.${CollectionNames.queueKey(queue)}`;
  }

  /** True when `collection` belongs to this namespace. */
  owns(collection: string): boolean {
    return collection.startsWith(`${this.namespace}.`);
  }
}
