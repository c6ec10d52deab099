import { toEvent, type Codec } from './codec';
import type { FailureInfo, JobRecord, JobState, Message } from './contract';
import type { WrkrEvent } from './event';

/** One item of a queue as `wrkr.job(queue, id)` shows it. */
export interface JobInfo<T = unknown> {
  /** Queue it is in. */
  readonly queue: string;
  /** Message id. */
  readonly id: string;
  /** Where it is. */
  readonly state: JobState;
  /** The event; absent when its data cannot be decoded (wrong key, corrupt), then see `raw`. */
  readonly event?: WrkrEvent<T>;
  /** The stored message. */
  readonly raw: Message;
  /** Deliveries so far. */
  readonly attempt: number;
  /** Delayed: when it becomes ready. */
  readonly dueAt?: Date;
  /** In flight: when the lease runs out unless extended. */
  readonly leaseUntil?: Date;
  /** Failed: its error; waiting for a retry: the last attempt's error, where the backend keeps it. */
  readonly error?: FailureInfo;
  /** When its event was published. */
  readonly createdAt: Date;
  /** Its last state change, where the backend records one. */
  readonly updatedAt?: Date;
  /** In flight: the last value its handler passed to `ctx.progress()`, where the backend stores progress. */
  readonly progress?: unknown;
  /** Completed: its handler's result, when the subscription keeps completed items (`keepCompleted`) and it returned one; `updatedAt` is when it completed. */
  readonly result?: unknown;
  /** Pending or failed: its priority (higher is taken first); absent for the default 0. */
  readonly priority?: number;
}

/** A backend's record as users see it: data decoded (an undecodable item still shows, with `raw` only), times as Dates. */
export function toJobInfo<T>(codec: Codec, record: JobRecord): JobInfo<T> {
  let event: WrkrEvent<T> | undefined;
  try {
    event = toEvent<T>(codec, record.message);
  } catch {
    event = undefined;
  }
  return {
    queue: record.queue,
    id: record.message.id,
    state: record.state,
    ...(event ? { event } : {}),
    raw: record.message,
    attempt: record.attempt,
    ...(record.dueAt !== undefined ? { dueAt: new Date(record.dueAt) } : {}),
    ...(record.leaseUntil !== undefined ? { leaseUntil: new Date(record.leaseUntil) } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    createdAt: new Date(record.message.publishedAt),
    ...(record.updatedAt !== undefined ? { updatedAt: new Date(record.updatedAt) } : {}),
    ...(record.result !== undefined ? { result: JSON.parse(record.result) as unknown } : {}),
    ...(record.priority !== undefined ? { priority: record.priority } : {}),
  };
}
