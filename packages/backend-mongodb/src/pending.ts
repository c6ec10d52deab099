import type { ListOptions, PendingPublish } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { DelayedDoc } from './documents';

/**
 * A page of the delayed publishes still stored, soonest due first. A doc stays until its router has
 * routed it, so one just past its due time is listed until then: it is still cancellable.
 */
export async function listPending(delayed: Collection<DelayedDoc>, options: Required<ListOptions>): Promise<PendingPublish[]> {
  const docs = await delayed.find({}, { projection: { at: 1, 'm.name': 1, 'm.tid': 1 } }).sort({ at: 1, _id: 1 }).skip(options.offset).limit(options.limit).toArray();
  return docs.map((d) => ({ id: d._id, name: d.m.name, ...(d.m.tid !== undefined ? { tid: d.m.tid } : {}), dueAt: d.at }));
}
