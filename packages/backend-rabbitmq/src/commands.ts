import type { Message, NackOutcome, ScheduleRecord } from '@wrkr/core/backend';
import type { StickyGrant } from './sticky-leases';

/** A delayed item as sent to the coordinator. */
export interface DelayedItem {
  readonly message: Message;
  readonly dueAt: number;
  readonly nonce: string;
  /** Deliveries already made of this item (retries and lease hand-backs carry their count on). */
  readonly prior: number;
  /** Target wrkr queue; absent: publish by name. */
  readonly queue?: string;
  /** A lease handed over by a closing client: counted as in flight, not delayed, and not cancellable. */
  readonly lease?: boolean;
  /** 1–9 (absent: 0); rides the carrier as its AMQP `priority` property, so the item lands at its level. */
  readonly priority?: number;
}

/** Commands the coordinator executes, one at a time, in the order it receives them. */
export type Command =
  // `maxPriority`: the asking client's declaration of the queue (absent from clients older than priorities: the coordinator's own).
  | { op: 'ensureQueue'; queue: string; unlisted?: boolean; maxPriority?: number }
  | { op: 'bind'; queue: string; pattern: string; maxPriority?: number }
  | { op: 'unbind'; queue: string; pattern: string }
  | { op: 'bindings'; queue?: string }
  | { op: 'queues' }
  | { op: 'deleteQueue'; queue: string }
  | { op: 'delay'; items: DelayedItem[] }
  | { op: 'cancel'; id: string }
  | { op: 'heldCount'; queue: string }
  | { op: 'heldJobs'; queue: string }
  | { op: 'pending'; offset: number; limit: number }
  | { op: 'upsertSchedule'; record: ScheduleRecord }
  | { op: 'removeSchedule'; name: string }
  | { op: 'getSchedule'; name: string }
  | { op: 'listSchedules' }
  | { op: 'fireSchedule'; name: string; expected: { runAt: number; updatedAt: number }; nextRunAt: number; message: Message }
  | { op: 'registerWorker'; id: string; instance: string; meta: Record<string, unknown>; ttlMs: number }
  | { op: 'heartbeat'; id: string; instance: string; ttlMs: number; meta?: Record<string, unknown> }
  | { op: 'unregisterWorker'; id: string; instance: string }
  | { op: 'workers' }
  | { op: 'knownObjects' }
  | { op: 'pause'; queue: string }
  | { op: 'resume'; queue: string }
  | { op: 'paused' }
  | { op: 'count'; counts: Record<string, CountDelta> }
  | { op: 'counters'; queue: string }
  // Sticky leases (see sticky-leases.ts): a re-claim of the holder's live lease, a new hold of an item a client took, its end or extension, and a lookup.
  | { op: 'stickyClaim'; queue: string; holder: string; leaseMs: number }
  | { op: 'stickyHold'; queue: string; holder: string; leaseMs: number; message: Message; attempt: number; priority?: number }
  | { op: 'stickyEnd'; queue: string; id: string; token: string; outcome: StickyOutcome }
  | { op: 'heldBy'; queue: string; holder: string };

/** What a command does to a sticky lease: ack it, extend it, or one of the nack outcomes. */
export type StickyOutcome = { readonly kind: 'ack' } | { readonly kind: 'extend'; readonly leaseMs: number } | NackOutcome;

/** Answer of `stickyHold`: the item is now held (`took`), or the holder already held another one, re-claimed instead (`held`). */
export type StickyHoldAnswer = { readonly took: { readonly token: string; readonly leaseUntil: number } } | { readonly held: StickyGrant };

/** Counts one client adds to a queue's lifecycle counters: completed, failed, retried, and when the first was counted. */
export type CountDelta = [completed: number, failed: number, retried: number, since: number];

/** Commands that only read: never cached, never written to the journal. */
export const READ_ONLY = new Set<Command['op']>(['bindings', 'queues', 'heldCount', 'heldJobs', 'pending', 'getSchedule', 'listSchedules', 'workers', 'knownObjects', 'paused', 'counters', 'heldBy']);

/** AMQP `type` property of command messages. */
export const COMMAND_TYPE = 'wrkr.cmd';
