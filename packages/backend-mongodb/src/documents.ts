import type { FailureInfo, Message } from '@wrkr/core/backend';

/** One header. */
export interface StoredHeader {
  k: string;
  v: string;
}

/**
 * A message as stored. Headers are a list of `{ k, v }` because header names may contain `.` or start
 * with `$`, which field names do not accept everywhere (and FerretDB v1 refuses nested arrays).
 */
export interface StoredMessage {
  id: string;
  name: string;
  tid?: string;
  headers?: StoredHeader[];
  body?: string;
  publishedAt: number;
  /** Priority 1–9; absent means 0. Kept here so every copy (queue item, delayed publish, failed entry) carries it. */
  p?: number;
}

/** One pending message of a queue. Written once; its state changes live in the lease log. */
export interface ItemDoc {
  /** Message id: unique per queue, which makes sends and publishes idempotent. */
  _id: string;
  /** Incarnation: random per insert, so lease-log entries of an earlier copy never apply to a later one. */
  c: string;
  /** Epoch ms from which it may be claimed (enqueue time, or its due time). */
  at: number;
  m: StoredMessage;
  /** The job key it holds in its queue (dedupe or debounce), released when it finishes (see JobKeys). */
  k?: string;
  /** Its group in a grouped queue, `<by>\n<value>` (see FairGroups): set by the add, or by a claim adopting it after `by` changed. */
  g?: string;
}

/** State of a lease-log entry. */
export type LeaseState = 'held' | 'wait' | 'done' | 'failed';

/**
 * One state change of a claimed item. `_id` is `<id>~<incarnation>~<n>`: inserting entry n+1 is the
 * compare-and-set of every transition (only one writer can insert a given `_id`), which stays atomic
 * on servers whose findAndModify is not (FerretDB v1).
 */
export interface LeaseDoc {
  _id: string;
  /** Message id. */
  i: string;
  /** Incarnation of the item. */
  c: string;
  /** Sequence number within the item's log. */
  n: number;
  s: LeaseState;
  /** Lease token (held); empty otherwise. */
  t: string;
  /** held: lease end; wait: due time; epoch ms. */
  u: number;
  /** Deliveries so far. */
  a: number;
  /** Last error (wait after a retry, failed). */
  e?: FailureInfo;
  /** done by an ack with `keep`: its retention (`n` = count, `ms` = ageMs), so a completion not yet recorded can be. */
  k?: { n: number; ms: number };
  /** done by an ack with `keep`: the result kept (JSON text). */
  r?: string;
  /** held: the external worker whose claim took the lease (sticky pull); extensions carry it on. */
  h?: string;
  /** held: the job key the item holds (copied from the item by the claim), so its ack or fail can release it without reading the item. */
  y?: string;
  /** held: the group of the item when claimed (its `g`); it counts toward that group's concurrency until the lease ends. */
  g?: string;
  /** Epoch ms of the change. */
  ts: number;
  /** Random id of the write that appended a transition, so a retry of it knows its own entry. */
  w?: string;
}

/** An item in the failed store. `_id` is `<queue> <id>`. */
export interface FailedDoc {
  _id: string;
  q: string;
  m: StoredMessage;
  a: number;
  e: FailureInfo;
  at: number;
}

/** A completed item kept by an ack with `keep`. `_id` is `<queue> <id>`. */
export interface CompletedDoc {
  _id: string;
  q: string;
  m: StoredMessage;
  /** Deliveries made. */
  a: number;
  /** Completion time, epoch ms. */
  at: number;
  /** Epoch ms from which it is too old to show (`at + ageMs`). */
  exp: number;
  /** The result (JSON text), when kept with one. */
  r?: string;
}

/** A delayed publish: stored once, routed to the queues bound at its due time. */
export interface DelayedDoc {
  _id: string;
  at: number;
  m: StoredMessage;
  /** The job key it holds among the pending publishes, released when it is routed, cancelled or replaced. */
  k?: string;
}

/** A queue → pattern binding. `_id` is `<queue> <pattern>` (neither contains a space). */
export interface BindingDoc {
  _id: string;
  q: string;
  p: string;
}

/** A known queue. */
export interface QueueDoc {
  _id: string;
  /** Set while the queue is paused (see PauseGate). */
  paused?: true;
  /** Set once a prioritised item was added; until then claims skip the prioritised query (see PauseGate). */
  prio?: true;
}

/** A queue's limits (`_id` = queue); no document when it has none. */
export interface LimitsDoc {
  _id: string;
  concurrency?: number;
  rate?: { max: number; per: number };
  group?: { by: string; concurrency?: number; rate?: { max: number; per: number } };
  /** When `group.by` last changed (epoch ms): items added by clients that had not seen it yet are adopted for a while after. */
  gs?: number;
}

/**
 * One group of a grouped queue (`_id` = `<queue>\n<group>`): the registry grouped claims read instead of
 * scanning items, with the group's turn and hints of whether it may have a ready item (see FairGroups).
 */
export interface GroupDoc {
  _id: string;
  q: string;
  /** Its turn: epoch ms (fractions keep one client's order) of the last claim that served it; 0 never served. */
  t: number;
  /** From when its latest added or released item is ready (the add, nack or give-back writes it). */
  a?: number;
  /** When a claim last found no ready item in it. */
  e?: number;
}

/** One lease start of a rate-limited queue: inserted by the claim, deleted again when the claim gives it back. */
export interface StartDoc {
  /** Random, so a start is never re-inserted and deleting by `_id` is a compare-and-set. */
  _id: string;
  /** The queue; `<queue>\n` for a start of one of its groups (queue names hold no newline). */
  q: string;
  /** A group's start: the group. */
  g?: string;
  /** Epoch ms of the start (the claimer's clock). */
  t: number;
}

/** A recurring schedule; `v` changes on every write (compare-and-set guard). */
export interface ScheduleDoc {
  _id: string;
  rule: { every: number } | { cron: string; tz?: string };
  event: { name: string; tid?: string; headers?: StoredHeader[]; body?: string };
  active: boolean;
  nextRunAt: number;
  lastRunAt?: number;
  updatedAt: number;
  v: string;
}

/** A worker registration; unregistering leaves a tombstone so a later registration gets a fresh guard. */
export interface WorkerDoc {
  _id: string;
  inst: string;
  /** JSON text. */
  meta: string;
  startedAt: number;
  heartbeatAt: number;
  expiresAt: number;
  gone: boolean;
  v: string;
}

/** A compare-and-set guard; `inst` is the backend instance that won it. */
export interface GuardDoc {
  _id: string;
  inst: string;
  ts: number;
  /** Stage reached by the winner (schedules: the occurrence was published). */
  done?: boolean;
}

/** The stored form of a message at a priority (0, the default, is not written). */
export function storeMessage(m: Message, priority = 0): StoredMessage {
  const out: StoredMessage = { id: m.id, name: m.name, publishedAt: m.publishedAt };
  if (m.tid !== undefined) out.tid = m.tid;
  if (m.headers !== undefined) out.headers = storeHeaders(m.headers);
  if (m.body !== undefined) out.body = m.body;
  if (priority > 0) out.p = priority;
  return out;
}

/** The message of a stored form. */
export function loadMessage(s: StoredMessage): Message {
  return {
    id: s.id,
    name: s.name,
    ...(s.tid !== undefined && { tid: s.tid }),
    ...(s.headers !== undefined && { headers: loadHeaders(s.headers) }),
    ...(s.body !== undefined && { body: s.body }),
    publishedAt: s.publishedAt,
  };
}

/** A job record's `priority` field of a stored message: absent for the default 0. */
export function storedPriority(s: StoredMessage): { priority?: number } {
  return s.p !== undefined && Number(s.p) > 0 ? { priority: Number(s.p) } : {};
}

/** Failure info without absent fields. */
export function storeFailure(e: FailureInfo): FailureInfo {
  return {
    message: e.message,
    ...(e.name !== undefined && { name: e.name }),
    ...(e.stack !== undefined && { stack: e.stack }),
    ...(e.code !== undefined && { code: e.code }),
  };
}

/** Headers as stored. */
export function storeHeaders(h: Readonly<Record<string, string>>): StoredHeader[] {
  return Object.entries(h).map(([k, v]) => ({ k, v }));
}

/** Headers of a stored list. */
export function loadHeaders(list: readonly StoredHeader[]): Record<string, string> {
  return Object.fromEntries(list.map(({ k, v }) => [k, v]));
}
