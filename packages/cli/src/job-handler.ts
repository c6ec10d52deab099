import type { Handler, HandlerContext } from '@wrkr/core';

/**
 * Wrap a task's handler so each job gets a child logger bound to the task and the chosen `event.data`
 * fields, and logs its start, end and failure.
 */
export function withJobLogging(task: string, logFields: readonly string[], handler: Handler): Handler {
  return async (event, ctx) => {
    const data = event.data;
    const fields: Record<string, unknown> = { task };
    if (typeof data === 'object' && data !== null) {
      for (const f of logFields) if (f in data) fields[f] = (data as Record<string, unknown>)[f];
    }
    const log = ctx.log.child(fields);
    const job: HandlerContext = {
      queue: ctx.queue,
      attempt: ctx.attempt,
      get signal() {
        return ctx.signal;
      },
      log,
      progress: (value) => {
        log.info({ progress: value }, 'job progress');
        ctx.progress(value);
      },
      extendLease: (duration) => ctx.extendLease(duration),
    };
    const started = Date.now();
    log.info('job started');
    try {
      const result: unknown = await handler(event, job);
      log.info({ ms: Date.now() - started }, 'job done');
      return result;
    } catch (err) {
      log.warn({ err, ms: Date.now() - started }, 'job failed');
      throw err;
    }
  };
}
