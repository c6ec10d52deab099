import { BackendError, isWrkrError, maskUrl } from '@wrkr/core/backend';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';

/** MongoDB's duplicate-key error code. */
const DUPLICATE_KEY = 11000;

/** True when `err` is a duplicate-key error (a lost compare-and-set, or an id already stored). */
export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/**
 * Indexes (in the attempted batch) of documents an unordered insertMany rejected as duplicates; throws
 * on any other failure.
 */
export function duplicateIndexes(err: unknown): Set<number> {
  if (!(err instanceof MongoBulkWriteError)) throw err;
  const errors = (Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors]) as Array<{ code: number; index: number }>;
  // No write errors: the batch itself failed (the driver reports a connection closed mid-insertMany this
  // way), so nothing is known to be written. Taking it for "no duplicates" answered a send that wrote
  // nothing as done: a batch was lost at each FerretDB kill.
  if (errors.length === 0) throw err;
  const out = new Set<number>();
  for (const w of errors) {
    if (w.code !== DUPLICATE_KEY) throw err;
    out.add(w.index);
  }
  return out;
}

/** Rethrow driver errors as BackendError (credentials in any quoted URL masked); wrkr's own errors pass through. */
export function asBackendError(err: unknown, what: string): Error {
  if (isWrkrError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BackendError(maskUrl(`mongodb: ${what} failed: ${message}`), { cause: err });
}
