import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isWrkrError, maskUrl } from '@wrkr/core';
import { loadConfig, type CommonFlags } from './config';
import { operatorCommand, OPERATOR_COMMANDS, type OperatorCommand } from './commands/operator';
import { serveCommand } from './commands/serve';
import { workerCommand } from './commands/worker';
import { openWrkr } from './open-wrkr';
import type { CommandIo } from './output';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  backend: { type: 'string', short: 'b' },
  namespace: { type: 'string' },
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
const WORKER: Options = {
  paths: { type: 'string', multiple: true, short: 'p' },
  id: { type: 'string' },
  concurrency: { type: 'string' },
  'shutdown-timeout': { type: 'string' },
  'log-level': { type: 'string' },
};
const SERVE: Options = { ...WORKER, host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, basic: { type: 'string' } };
const EVENT_CONTENT: Options = {
  data: { type: 'string', short: 'd' },
  tid: { type: 'string' },
  header: { type: 'string', multiple: true, short: 'H' },
};
const EVENT: Options = { ...EVENT_CONTENT, when: { type: 'string' }, 'event-id': { type: 'string' } };
const OPERATOR_OPTIONS: Record<OperatorCommand, Options> = {
  publish: EVENT,
  send: EVENT,
  schedule: { ...EVENT_CONTENT, every: { type: 'string' }, cron: { type: 'string' }, tz: { type: 'string' }, event: { type: 'string' }, paused: { type: 'boolean' } },
  unschedule: {},
  trigger: {},
  schedules: {},
  stats: {},
  failed: { limit: { type: 'string' }, offset: { type: 'string' } },
  replay: {},
  purge: {},
  workers: {},
};

/** Usage text of the `wrkr` command. */
export const USAGE = `usage: wrkr <command> [options]

commands:
  worker    --paths DIR… [--id ID] [--concurrency N] [--shutdown-timeout 30s]   run task modules
  serve     [--host 127.0.0.1] [--port 8080] [--token T | --basic user:pass] [--paths DIR…]   HTTP API + dashboard
  publish   NAME [--data JSON] [--tid ID] [--header k=v]… [--when 5m]
  send      QUEUE NAME [--data JSON] …
  schedule  NAME --event NAME (--every 5m | --cron EXPR [--tz ZONE]) [--data JSON] [--paused]
  unschedule NAME | trigger NAME | schedules
  stats [QUEUE…] | failed QUEUE [--limit N] | replay QUEUE [ID…] | purge QUEUE [ID…] | workers

common options: --backend URL (memory://, redis://, amqp://, mongodb://; ?namespace=NS) --namespace NS
  --config FILE (.json or .js) --json; every option also reads WRKR_<NAME> (e.g. WRKR_BACKEND, WRKR_PATHS=a,b)
`;

/** Run the `wrkr` command line; resolves with the process exit code (0 ok, 1 failure, 2 bad usage or config). */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command === 'worker' || command === 'serve') {
      const { values, positionals } = parseArgs({ args: rest, options: { ...COMMON, ...(command === 'worker' ? WORKER : SERVE) }, allowPositionals: true });
      if (values.help) return help(io);
      const flags = values as CommonFlags;
      // `--paths a b c` reads naturally; parseArgs leaves `b c` as positionals.
      if (positionals.length > 0) flags.paths = [...(flags.paths ?? []), ...positionals];
      const config = loadConfig(flags, io.env, io.cwd);
      return command === 'worker' ? await workerCommand(config) : await serveCommand(config, io);
    }
    if (!(OPERATOR_COMMANDS as readonly string[]).includes(command)) {
      io.stderr.write(`wrkr: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
      return 2;
    }
    const op = command as OperatorCommand;
    const { values, positionals } = parseArgs({ args: rest, options: { ...COMMON, ...OPERATOR_OPTIONS[op] }, allowPositionals: true });
    if (values.help) return help(io);
    const config = loadConfig(values, io.env, io.cwd);
    const wrkr = await openWrkr(config, { worker: false, scheduler: false });
    try {
      return await operatorCommand(op, wrkr, positionals, values, io);
    } finally {
      await wrkr.stop({ timeout: 0 });
    }
  } catch (err) {
    return report(err, command, io);
  }
}

function help(io: CommandIo): number {
  io.stdout.write(USAGE);
  return 0;
}

function report(err: unknown, command: string, io: CommandIo): number {
  const code = (err as { code?: unknown }).code;
  const usage = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
  // Driver messages may quote the backend URL; its password never reaches the terminal.
  io.stderr.write(`wrkr ${command}: ${maskUrl((err as Error).message ?? String(err))}\n`);
  if (usage || isWrkrError(err, 'ERR_WRKR_VALIDATION')) return 2;
  return 1;
}
