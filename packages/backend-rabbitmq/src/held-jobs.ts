import type { Message } from '@wrkr/core/backend';
import type { CoordinatorState } from './coordinator-state';

/** An item of one queue the coordinator holds, as `job`/`jobs` need it (the `heldJobs` command's answer). */
export interface HeldJob {
  readonly id: string;
  /** The entry's nonce: the body of a delayed item is found by it in the queue's shadow log. */
  readonly nonce: string;
  /** Delayed: due time. In flight (`lease`): lease end. */
  readonly dueAt: number;
  /** A lease handed over by a closing client, or a sticky lease: in flight until `dueAt`. */
  readonly lease?: boolean;
  /** A sticky lease carries its item (the coordinator keeps it). */
  readonly sticky?: { readonly message: Message; readonly attempt: number; readonly priority?: number };
}

/** Delayed items and coordinator-held leases of `queue` (delayed publishes belong to no queue until they are routed). */
export function listHeld(state: CoordinatorState, queue: string): HeldJob[] {
  const out: HeldJob[] = [];
  for (const e of Object.values(state.delayed)) {
    if (e.queue !== queue) continue;
    out.push({
      id: e.id,
      nonce: e.nonce,
      dueAt: e.dueAt,
      ...(e.lease && { lease: true }),
      ...(e.sticky && { sticky: { message: e.sticky.message, attempt: e.sticky.attempt, ...(e.sticky.priority !== undefined && { priority: e.sticky.priority }) } }),
    });
  }
  return out;
}
