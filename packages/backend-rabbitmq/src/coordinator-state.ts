import { type Message, type ScheduleRecord, type WorkerInfo } from '@wrkr/core/backend';

/** A delayed item the coordinator knows is pending; its body travels separately, in a carrier message. */
export interface DelayedEntry {
  readonly id: string;
  /** Distinguishes this stored item from a later one with the same id (only the matching carrier delivers). */
  readonly nonce: string;
  readonly dueAt: number;
  /** Target wrkr queue (send, retry, lease hand-back); absent: publish by name at due time. */
  readonly queue?: string;
  readonly name: string;
  /** The message's tid, for `pending` listings. */
  readonly tid?: string;
  /** A lease handed over by a closing client, or a sticky lease (in flight until `dueAt`). */
  readonly lease?: boolean;
  /** A sticky lease held in the coordinator: who holds it, under which token, and the item itself. */
  readonly sticky?: StickyHold;
}

/** The coordinator's part of a sticky lease: the item leaves the broker queue and lives here until it ends. */
export interface StickyHold {
  /** The external worker holding the lease. */
  readonly holder: string;
  /** Names this hold for as long as the item stays held (the entry key and every token carry it). */
  readonly hold: string;
  /** The current lease's token; every re-claim issues a new one. */
  readonly token: string;
  /** Deliveries made of the item, this lease included. */
  readonly attempt: number;
  readonly message: Message;
  /** 1–9 (absent: 0), kept for the copy written back when the lease ends. */
  readonly priority?: number;
}

/** A registered worker as stored. */
export interface WorkerEntry {
  readonly instance: string;
  readonly meta: Record<string, unknown>;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly expiresAt: number;
}

/** A schedule occurrence written to the journal before it is published, so a new coordinator finishes it. */
export interface OutboxEntry {
  readonly message: Message;
}

/** Everything the coordinator keeps durably, rebuilt from the journal (see StateJournal). */
export interface CoordinatorState {
  /** Monotonic version, for logs and for ordering journal entries. */
  version: number;
  /** wrkr queue → its patterns. */
  bindings: Record<string, string[]>;
  /** Known wrkr queues (bound, or sent to). */
  queues: string[];
  /** Queues declared only because a client claimed from them: not listed, but deleted with the namespace. */
  declared?: string[];
  /** Pending delayed items by `delayKey`. */
  delayed: Record<string, DelayedEntry>;
  schedules: Record<string, ScheduleRecord>;
  workers: Record<string, WorkerEntry>;
  /**
   * Answers of recent mutating commands: `[command id, answer, epoch ms]`. A redelivered or resent
   * command gets the first answer; clients resend within seconds, so a minute of them is kept.
   */
  results: Array<[string, unknown, number]>;
  outbox: OutboxEntry[];
  /** Paused wrkr queues (absent in journals written before pause existed). */
  paused?: string[];
  /** Lifecycle counters by wrkr queue: completed, failed, retried, first count (absent in older journals). */
  counters?: Record<string, [number, number, number, number]>;
  /** Bumped by every change of `paused`, so clients keep the newest set whatever order copies reach them in. */
  pauseVersion?: number;
}

/** The paused queues of a namespace as clients receive them: from a command's answer or a broadcast. */
export interface PausedSet {
  readonly version: number;
  readonly queues: readonly string[];
}

/** The namespace's paused set as the state holds it. */
export function pausedSet(state: CoordinatorState): PausedSet {
  return { version: state.pauseVersion ?? 0, queues: [...(state.paused ?? [])] };
}

/** An empty state. */
export function emptyState(): CoordinatorState {
  return { version: 0, bindings: {}, queues: [], delayed: {}, schedules: {}, workers: {}, results: [], outbox: [] };
}

/** Key of a delayed entry: one per (target, id), so fan-out copies retried in two queues are two entries. */
export function delayKey(id: string, queue: string | undefined): string {
  return queue === undefined ? `p|${id}` : `q|${queue}|${id}`;
}

/** Items of one queue the coordinator holds, and whether the queue is paused (both for `stats`). */
export interface HeldCounts {
  /** Delayed sends and retries not yet due. */
  readonly delayed: number;
  /** Leases handed over by clients that closed, and sticky leases, in flight until they end. */
  readonly leased: number;
  /** The queue is paused. */
  readonly paused: boolean;
}

/**
 * Items of `queue` the coordinator holds (and its pause): delayed ones sent to it (delayed publishes belong to no queue
 * until they are routed at their due time), and leases handed over by clients that closed.
 */
export function countHeld(state: CoordinatorState, queue: string): HeldCounts {
  let delayed = 0;
  let leased = 0;
  for (const e of Object.values(state.delayed)) {
    if (e.queue !== queue) continue;
    if (e.lease) leased++;
    else delayed++;
  }
  return { delayed, leased, paused: state.paused?.includes(queue) ?? false };
}

/** A worker entry as the contract lists it. */
export function toWorkerInfo(id: string, w: WorkerEntry): WorkerInfo {
  return { id, meta: w.meta, startedAt: w.startedAt, heartbeatAt: w.heartbeatAt, expiresAt: w.expiresAt };
}
