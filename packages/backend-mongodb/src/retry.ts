import { MongoBulkWriteError, MongoNetworkError, MongoNotConnectedError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/** What FerretDB's SQLite backend says when another connection holds the database lock. */
const BUSY = 'SQLITE_BUSY';

/**
 * True for failures where the server may not have seen the request, or the reply was lost, and for
 * FerretDB's SQLite backend refusing a write while another connection holds the database lock
 * (`SQLITE_BUSY`: the statement was rolled back, so running it again is the fix).
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    // FerretDB v1 fails a whole insertMany on SQLITE_BUSY after writing part of it one by one (see insertOnce).
    const errors = (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]) as Array<{ errmsg?: string }>;
    // No write errors: the batch failed as a whole (a connection closed mid-insertMany), not per document.
    return errors.length === 0 || err.message.includes(BUSY) || errors.some((w) => w.errmsg?.includes(BUSY) === true);
  }
  if (err instanceof MongoServerError) return err.message.includes(BUSY);
  return (
    (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError || err instanceof MongoNotConnectedError) &&
    !(err instanceof MongoTopologyClosedError)
  );
}

const ATTEMPTS = 3;
const PAUSE_MS = 100;

/**
 * Run `fn` again after a transient failure (a killed connection or a restarting server). Only for
 * idempotent steps: every write of this backend is (inserts are keyed, deletes and sets repeatable).
 */
export async function retryTransient<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= ATTEMPTS || !isTransient(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
    }
  }
}
