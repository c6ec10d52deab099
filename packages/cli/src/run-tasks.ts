import type { Logger, Wrkr } from '@wrkr/core';
import { chainHandler, type ChainConfig } from './chain';
import type { LoadedTask } from './task-module';
import { jobLogBindings, withJobLogging } from './job-handler';

/** Subscribe declared tasks and chains, and run the setup of the other tasks. */
export async function runTasks(
  wrkr: Wrkr,
  tasks: readonly LoadedTask[],
  chains: readonly ChainConfig[],
  defaults: { concurrency?: number },
  log: Logger,
): Promise<void> {
  for (const chain of chains) {
    const concurrency = chain.options?.concurrency ?? defaults.concurrency;
    const handler = withJobLogging(chainHandler(wrkr, chain));
    await wrkr.subscribe(chain.queue, chain.patterns, handler, {
      ...chain.options,
      ...(concurrency !== undefined ? { concurrency } : {}),
      logBindings: jobLogBindings(chain.name, []),
    });
    log.info({ chain: chain.name, queue: chain.queue, steps: chain.steps.map((s) => s.fn), publish: chain.publish }, 'chain subscribed');
  }
  for (const t of tasks) {
    const taskLog = log.child({ task: t.name });
    if (t.kind === 'setup') {
      await t.task.setup(wrkr, {
        name: t.name,
        file: t.file,
        log: taskLog,
        ...(defaults.concurrency !== undefined ? { concurrency: defaults.concurrency } : {}),
      });
      taskLog.info('task set up');
      continue;
    }
    const { queue, patterns, options, handler, logFields } = t.task;
    const concurrency = options?.concurrency ?? defaults.concurrency;
    await wrkr.subscribe(queue, patterns ?? null, withJobLogging(handler), {
      ...options,
      ...(concurrency !== undefined ? { concurrency } : {}),
      logBindings: jobLogBindings(t.name, logFields ?? []),
    });
    taskLog.info({ queue, patterns: patterns ?? [], concurrency: concurrency ?? 1 }, 'task subscribed');
  }
}
