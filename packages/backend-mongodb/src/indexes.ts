import type { Collection, CreateIndexesOptions, Document, IndexSpecification } from 'mongodb';
import { MongoServerError } from 'mongodb';

/** One index to create: its key and options. */
export interface IndexSpec {
  /** The index key, e.g. `{ at: 1 }`. */
  readonly key: IndexSpecification;
  /** Creation options, e.g. `{ sparse: true }`. */
  readonly options?: CreateIndexesOptions;
}

/**
 * FerretDB v1 (SQLite) keeps the indexes it knows of in a registry cached per process. When that cache
 * misses an index the database file already holds (another FerretDB process on the same data, or a
 * rolled-back registry update under SQLITE_BUSY), every later createIndex of it fails with this SQL error
 * and never recovers. The index is there, so the request has done what it asked.
 */
const FERRETDB_INDEX_EXISTS = /SQL logic error: index \S+ already exists/;

/** True when `err` is FerretDB reporting an index that its database already holds. */
function isIndexAlreadyStored(err: unknown): boolean {
  return err instanceof MongoServerError && FERRETDB_INDEX_EXISTS.test(err.message);
}

/** Create the indexes of one collection (idempotent on MongoDB and on FerretDB v1 alike). */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, specs: readonly IndexSpec[]): Promise<void> {
  // One at a time: concurrent createIndexes on one FerretDB collection race on its registry entry.
  for (const { key, options } of specs) {
    try {
      await collection.createIndex(key, options);
    } catch (err) {
      if (!isIndexAlreadyStored(err)) throw err;
    }
  }
}
