import { setTimeout as delay } from 'node:timers/promises';

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return delay(Math.max(0, ms));
}

/**
 * Call `fn` until it stops throwing, then return its result; after `timeoutMs` rethrow its last error.
 * Polling with a deadline keeps tests fast on quick backends and patient on slow ones.
 */
export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs: number, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await sleep(intervalMs);
  }
}
