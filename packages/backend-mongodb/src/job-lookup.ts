import type { JobRecord } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import { loadMessage, type FailedDoc } from './documents';
import type { QueueStore } from './queue-store';

/**
 * The item `id` of a queue: its item document plus the newest lease-log entry of that incarnation
 * tell ready/delayed/in flight (read-only: an expired lease or a due item counts as ready, as the next
 * claim sees it); a final entry means it was acked, cancelled or failed, so the failed store decides.
 */
export async function findJob(store: QueueStore, failed: Collection<FailedDoc>, id: string): Promise<JobRecord | undefined> {
  const now = Date.now();
  const item = await store.items.findOne({ _id: id });
  if (item !== null) {
    const [last] = await store.leases.find({ i: id, c: item.c }).sort({ n: -1 }).limit(1).toArray();
    const base = { queue: store.queue, message: loadMessage(item.m) };
    if (last === undefined) {
      return item.at > now ? { ...base, state: 'delayed', attempt: 0, dueAt: item.at } : { ...base, state: 'ready', attempt: 0 };
    }
    if (last.s === 'held' || last.s === 'wait') {
      const error = last.e === undefined ? {} : { error: last.e };
      const timed = { ...base, attempt: last.a, updatedAt: last.ts };
      if (last.u <= now) return { ...timed, state: 'ready', ...(last.s === 'wait' ? error : {}) };
      return last.s === 'held' ? { ...timed, state: 'inFlight', leaseUntil: last.u } : { ...timed, state: 'delayed', dueAt: last.u, ...error };
    }
  }
  const f = await failed.findOne({ _id: `${store.queue} ${id}` });
  if (f === null) return undefined;
  return { queue: store.queue, message: loadMessage(f.m), state: 'failed', attempt: f.a, error: f.e, updatedAt: f.at };
}
