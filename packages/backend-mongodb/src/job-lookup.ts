import type { JobListOptions, JobRecord } from '@wrkr/core/backend';
import type { Collection, Filter } from 'mongodb';
import type { CompletedStore } from './completed-store';
import { loadMessage, storedPriority, type FailedDoc, type ItemDoc, type LeaseDoc } from './documents';
import type { QueueStore } from './queue-store';

/**
 * The item `id` of a queue: its item document plus the newest lease-log entry of that incarnation
 * tell ready/delayed/in flight (read-only: an expired lease or a due item counts as ready, as the next
 * claim sees it); a final entry means it was acked, cancelled or failed, so the failed store decides,
 * then the kept completed items.
 */
export async function findJob(store: QueueStore, failed: Collection<FailedDoc>, completed: CompletedStore, id: string): Promise<JobRecord | undefined> {
  const now = Date.now();
  const item = await store.items.findOne({ _id: id });
  if (item !== null) {
    const [last] = await store.leases.find({ i: id, c: item.c }).sort({ n: -1 }).limit(1).toArray();
    const base = { queue: store.queue, message: loadMessage(item.m), ...storedPriority(item.m) };
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
  if (f === null) return completed.find(store.queue, id);
  return { queue: store.queue, message: loadMessage(f.m), ...storedPriority(f.m), state: 'failed', attempt: f.a, error: f.e, updatedAt: f.at };
}

/**
 * A page of one state of a queue. The whole lease log is read (as claim and stats do) to know which
 * items are held or waiting; ready ones are then read in the order claim takes them (prioritised ones
 * by level and due time, then the rest in `{ at: 1 }` index order).
 */
export async function listJobs(store: QueueStore, failed: Collection<FailedDoc>, completed: CompletedStore, options: JobListOptions): Promise<JobRecord[]> {
  const { state, offset, limit } = options;
  if (state === 'completed') return completed.list(store.queue, offset, limit);
  if (state === 'failed') {
    const docs = await failed.find({ q: store.queue }).sort({ at: -1, _id: -1 }).skip(offset).limit(limit).toArray();
    return docs.map((f) => ({ queue: store.queue, message: loadMessage(f.m), ...storedPriority(f.m), state: 'failed', attempt: f.a, error: f.e, updatedAt: f.at }));
  }
  const now = Date.now();
  const latest = new Map<string, LeaseDoc>();
  for (const e of await store.leases.find({}).toArray()) {
    const k = `${e.i}~${e.c}`;
    const cur = latest.get(k);
    if (cur === undefined || e.n > cur.n) latest.set(k, e);
  }
  const entryOf = (item: ItemDoc) => latest.get(`${item._id}~${item.c}`);
  if (state === 'ready') {
    const blocked = [...latest.values()].filter((e) => e.s === 'done' || e.s === 'failed' || e.u > now).map((e) => e.i);
    const filter: Filter<ItemDoc> = blocked.length > 0 ? { at: { $lte: now }, _id: { $nin: blocked } } : { at: { $lte: now } };
    // Claim order: prioritised items by level then due time, then level 0 by due time.
    const urgentFilter: Filter<ItemDoc> = { ...filter, 'm.p': { $gt: 0 } };
    const urgentCount = await store.items.countDocuments(urgentFilter);
    const urgent = offset < urgentCount ? await store.items.find(urgentFilter).sort({ 'm.p': -1, at: 1, _id: 1 }).skip(offset).limit(limit).toArray() : [];
    const plain =
      urgent.length < limit
        ? await store.items.find({ ...filter, 'm.p': { $exists: false } }).sort({ at: 1 }).skip(Math.max(0, offset - urgentCount)).limit(limit - urgent.length).toArray()
        : [];
    return [...urgent, ...plain].map((item) => {
      const e = entryOf(item);
      const error = e?.s === 'wait' && e.e !== undefined ? { error: e.e } : {};
      return { queue: store.queue, message: loadMessage(item.m), ...storedPriority(item.m), state: 'ready', attempt: e?.a ?? 0, ...(e ? { updatedAt: e.ts } : {}), ...error };
    });
  }
  // Delayed: items not yet due that were never claimed, and claimed ones waiting for a retry; in flight: held leases.
  const timed = [...latest.values()].filter((e) => e.u > now && (state === 'inFlight' ? e.s === 'held' : e.s === 'wait'));
  const fresh = state === 'delayed' ? await store.items.find({ at: { $gt: now } }).toArray() : [];
  const ids = [...new Set(timed.map((e) => e.i))];
  const items = new Map((ids.length === 0 ? [] : await store.items.find({ _id: { $in: ids } }).toArray()).map((d) => [`${d._id}~${d.c}`, d]));
  const rows: Array<{ at: number; record: JobRecord }> = [];
  for (const e of timed) {
    const item = items.get(`${e.i}~${e.c}`);
    if (item === undefined) continue;
    const base = { queue: store.queue, message: loadMessage(item.m), ...storedPriority(item.m), attempt: e.a, updatedAt: e.ts };
    rows.push({ at: e.u, record: state === 'inFlight' ? { ...base, state: 'inFlight', leaseUntil: e.u } : { ...base, state: 'delayed', dueAt: e.u, ...(e.e ? { error: e.e } : {}) } });
  }
  for (const item of fresh) {
    if (entryOf(item) !== undefined) continue;
    rows.push({ at: item.at, record: { queue: store.queue, message: loadMessage(item.m), ...storedPriority(item.m), state: 'delayed', attempt: 0, dueAt: item.at } });
  }
  return rows.sort((a, b) => a.at - b.at).slice(offset, offset + limit).map((r) => r.record);
}
