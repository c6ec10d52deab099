import type { Collection, Filter, OptionalUnlessRequiredId } from 'mongodb';
import { duplicateIndexes } from './errors';
import { isTransient } from './retry';

const ATTEMPTS = 3;
const PAUSE_MS = 100;

/**
 * Insert `docs` unordered, retrying transient failures with the same documents; resolves with the
 * indexes of those another writer's documents hold (duplicate `_id`s that are not this call's own).
 *
 * FerretDB v1 answers an insertMany whose batch insert failed by inserting the documents one by one and
 * gives up at the first error that is not a duplicate (`SQLITE_BUSY` under load), so a failed call may
 * have written part of the batch. Retrying the same documents meets that part as duplicates, which
 * `mine` tells from another writer's; retrying from the caller instead would build new documents, and a
 * claim's first part would stay leased by nobody, or a routed item already done would be added again.
 */
export async function insertOnce<T extends { _id: string }>(collection: Collection<T>, docs: readonly T[], mine: (stored: T, doc: T) => boolean): Promise<Set<number>> {
  let retried = false;
  for (let attempt = 1; ; attempt++) {
    let lost: Set<number>;
    try {
      await collection.insertMany(docs as ReadonlyArray<OptionalUnlessRequiredId<T>>, { ordered: false });
      return new Set();
    } catch (err) {
      if (attempt < ATTEMPTS && isTransient(err)) {
        retried = true;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
        continue;
      }
      lost = duplicateIndexes(err);
    }
    // Before any retry a duplicate is another writer's: this call's documents are new.
    if (!retried || lost.size === 0) return lost;
    const ids = [...lost].map((k) => docs[k]!._id);
    const there = new Map((await collection.find({ _id: { $in: ids } } as Filter<T>).toArray()).map((e) => [e._id as string, e as T]));
    for (const k of [...lost]) {
      const stored = there.get(docs[k]!._id);
      if (stored !== undefined && mine(stored, docs[k]!)) lost.delete(k);
    }
    return lost;
  }
}
