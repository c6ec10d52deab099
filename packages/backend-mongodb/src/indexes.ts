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
  // Only what is missing: on FerretDB v1 a createIndexes takes the write lock of its whole metadata
  // registry even when the index exists, and every client creating every queue's indexes on first use
  // made that lock a bottleneck (and, with a busy connection pool, part of a deadlock).
  const have = await indexNames(collection);
  // One at a time: concurrent createIndexes on one FerretDB collection race on its registry entry.
  for (const { key, options } of specs) {
    if (have.has(defaultName(key))) continue;
    try {
      await collection.createIndex(key, options);
    } catch (err) {
      if (!isIndexAlreadyStored(err)) throw err;
    }
  }
}

/** The name MongoDB gives an index of `key` when none is given, e.g. `{ q: 1, at: 1 }` → `q_1_at_1`. */
function defaultName(key: IndexSpecification): string {
  return Object.entries(key as Record<string, unknown>).map(([field, dir]) => `${field}_${String(dir)}`).join('_');
}

/** Names of the collection's indexes; none when the collection does not exist yet. */
async function indexNames<T extends Document>(collection: Collection<T>): Promise<Set<string>> {
  try {
    return new Set((await collection.listIndexes().toArray()).map((i) => String((i as { name?: unknown }).name)));
  } catch (err) {
    // NamespaceNotFound: the collection is created by the first createIndex.
    if (err instanceof MongoServerError && err.code === 26) return new Set();
    throw err;
  }
}
