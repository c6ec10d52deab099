import type { FailureInfo } from './contract';

/**
 * Events a Wrkr instance emits (it never emits `error`, so an unhandled one cannot crash the process).
 * `ms` is the handler's run time; `waitMs` the time from the message's `publishedAt` to the handler's start.
 */
export interface WrkrEventMap {
  /** A handler reported progress. */
  progress: [{ queue: string; id: string; name: string; progress: number | Record<string, unknown> }];
  /** A handler succeeded and the item was acked. */
  completed: [{ queue: string; id: string; name: string; attempt: number; ms: number; waitMs: number }];
  /** A handler failed and the item will be retried. */
  retrying: [{ queue: string; id: string; name: string; attempt: number; dueAt: number; ms: number; waitMs: number; error: FailureInfo }];
  /** A handler failed for the last time and the item went to the failed store. */
  failed: [{ queue: string; id: string; name: string; attempt: number; ms: number; waitMs: number; error: FailureInfo }];
}

/** Turn anything thrown into the FailureInfo kept with a retried or failed item. */
export function toFailureInfo(err: unknown): FailureInfo {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return {
      message: err.message,
      name: err.name,
      ...(err.stack !== undefined ? { stack: err.stack } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { message: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}
