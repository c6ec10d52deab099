import { createLogger } from '../logger';
import { ValidationError } from '@wrkr/core';
import type { WrkrConfig } from '../config';
import { syncSchedules } from '../config-schedules';
import { startMetricsServer, type MetricsServer } from '../metrics-server';
import { openWrkr } from '../open-wrkr';
import { runTasks } from '../run-tasks';
import { loadTask, taskFiles } from '../task-module';
import { waitForSignal } from '../wait-for-signal';

/**
 * `wrkr worker`: load the task modules, register the worker (refused when its id is live elsewhere),
 * sync the config's schedules, serve metrics if a metrics port is set, consume until SIGINT/SIGTERM, then
 * drain within the shutdown timeout.
 */
export async function workerCommand(config: WrkrConfig): Promise<number> {
  const log = createLogger(config.logLevel, config.logFormat);
  const tasks = taskFiles(config.paths).map(loadTask);
  if (tasks.length === 0 && config.chains.length === 0 && config.schedules.length === 0) {
    throw new ValidationError('--paths', 'no task modules found: give --paths DIR… (or WRKR_PATHS, or paths or chains in the config file)');
  }
  const wrkr = await openWrkr(config, {
    logger: log,
    worker: {
      ...(config.id !== undefined ? { id: config.id } : {}),
      ...(config.heartbeat !== undefined ? { heartbeat: config.heartbeat } : {}),
      meta: { tasks: tasks.map((t) => t.name) },
    },
  });
  const signal = waitForSignal();
  let metrics: MetricsServer | undefined;
  try {
    if (config.schedules.length > 0 || wrkr.backend.capabilities.schedules) await syncSchedules(wrkr, config.schedules, log);
    // Before the handlers start, so the counters see the first job.
    if (config.metrics !== undefined) metrics = await startMetricsServer(wrkr, config.metrics, log);
    await runTasks(wrkr, tasks, config.chains, { ...(config.concurrency !== undefined ? { concurrency: config.concurrency } : {}) }, log);
  } catch (err) {
    await metrics?.close();
    await wrkr.stop({ timeout: 0 });
    throw err;
  }
  log.info({ workerId: wrkr.workerId, tasks: tasks.map((t) => t.name), ...(metrics !== undefined ? { metrics: metrics.url } : {}) }, 'worker ready');
  const received = await signal;
  log.info({ signal: received, timeout: config.shutdownTimeout }, 'stopping: draining running jobs');
  await wrkr.stop({ timeout: config.shutdownTimeout });
  // After the drain, so a last scrape can still see the final jobs counted.
  await metrics?.close();
  log.info('worker stopped');
  return 0;
}
