import { createLogger } from '../logger';
import { createServer, listen, type AuthOptions } from '@wrkr/server';
import type { WrkrConfig } from '../config';
import { syncSchedules } from '../config-schedules';
import { openWrkr } from '../open-wrkr';
import type { CommandIo } from '../output';
import { runTasks } from '../run-tasks';
import { loadTask, taskFiles } from '../task-module';
import { waitForSignal } from '../wait-for-signal';

/**
 * `wrkr serve`: the HTTP API and dashboard, optionally running task modules in the same process
 * (`--paths`); prints the URL, stops on SIGINT/SIGTERM.
 */
export async function serveCommand(config: WrkrConfig, io: CommandIo): Promise<number> {
  const log = createLogger(config.logLevel, config.logFormat);
  const tasks = taskFiles(config.paths).map(loadTask);
  const { serve } = config;
  const auth: AuthOptions = {
    ...(serve.token !== undefined ? { token: serve.token } : {}),
    ...(serve.basic !== undefined ? { basic: splitBasic(serve.basic) } : {}),
  };
  const wrkr = await openWrkr(config, {
    logger: log,
    worker:
      tasks.length === 0 && config.chains.length === 0
        ? false
        : { ...(config.id !== undefined ? { id: config.id } : {}), ...(config.heartbeat !== undefined ? { heartbeat: config.heartbeat } : {}), meta: { tasks: tasks.map((t) => t.name) } },
  });
  const signal = waitForSignal();
  let url: string;
  // One line per request is noise at info (the dashboard polls); request logs show at debug and trace.
  const httpLevel = config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'warn';
  const app = await createServer({ wrkr, auth, logger: log.child({ component: 'http' }, { level: httpLevel }) });
  try {
    if (wrkr.backend.capabilities.schedules) await syncSchedules(wrkr, config.schedules, log);
    await runTasks(wrkr, tasks, config.chains, { ...(config.concurrency !== undefined ? { concurrency: config.concurrency } : {}) }, log);
    url = await listen(app, { host: serve.host, port: serve.port, auth });
  } catch (err) {
    await app.close();
    await wrkr.stop({ timeout: 0 });
    throw err;
  }
  // Set apart from the log lines around it: it is what a person starting the server looks for.
  io.stdout.write(`\n  wrkr dashboard and API on ${url}/ (OpenAPI: ${url}/openapi.json; Ctrl+C stops)\n\n`);
  const received = await signal;
  log.info({ signal: received }, 'stopping server');
  await app.close();
  await wrkr.stop({ timeout: config.shutdownTimeout });
  return 0;
}

function splitBasic(basic: string): { user: string; password: string } {
  const i = basic.indexOf(':');
  return { user: basic.slice(0, i), password: basic.slice(i + 1) };
}
