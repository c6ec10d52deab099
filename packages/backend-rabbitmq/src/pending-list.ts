import type { PendingPublish } from '@wrkr/core/backend';
import type { CoordinatorState } from './coordinator-state';

/**
 * A page of the delayed publishes the coordinator holds (entries without a target queue), soonest due
 * first. Read from the coordinator's in-memory state, so it costs one command round trip and nothing
 * on the publish path. Entries journalled before `tid` was recorded are listed without it.
 */
export function listPending(state: CoordinatorState, offset: number, limit: number): PendingPublish[] {
  const all = Object.values(state.delayed).filter((e) => e.queue === undefined);
  all.sort((a, b) => a.dueAt - b.dueAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return all.slice(offset, offset + limit).map((e) => ({ id: e.id, name: e.name, ...(e.tid !== undefined ? { tid: e.tid } : {}), dueAt: e.dueAt }));
}
