import type { Handler, WrkrEvent } from '@wrkr/core';

/**
 * The log fields of a task's jobs: the task name and the chosen `event.data` fields. Given to subscribe as
 * `logBindings`, so `ctx.log` and wrkr's own lines about the job (its failure line) carry them.
 */
export function jobLogBindings(task: string, logFields: readonly string[]): (event: WrkrEvent) => Record<string, unknown> {
  return (event) => {
    const fields: Record<string, unknown> = { task };
    const data = event.data;
    if (typeof data === 'object' && data !== null) {
      for (const f of logFields) if (f in data) fields[f] = (data as Record<string, unknown>)[f];
    }
    return fields;
  };
}

/**
 * Wrap a task's handler so each job logs its start and its end. A failure is not logged here: wrkr logs
 * it once, with the retry decision.
 */
export function withJobLogging(handler: Handler): Handler {
  return async (event, ctx) => {
    const started = Date.now();
    ctx.log.info('job started');
    const result: unknown = await handler(event, ctx);
    ctx.log.info({ ms: Date.now() - started }, 'job done');
    return result;
  };
}
