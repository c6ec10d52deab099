import { MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/** True for failures where the server may not have seen the request, or the reply was lost. */
export function isTransient(err: unknown): boolean {
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
