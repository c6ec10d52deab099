import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isWrkrError, maskUrl } from '@wrkr/core';
import { COMMANDS, isCommand, parserOptions } from './command-spec';
import { loadConfig, type CommonFlags } from './config';
import { operatorCommand } from './commands/operator';
import { serveCommand } from './commands/serve';
import { watchCommand } from './commands/watch';
import { workerCommand } from './commands/worker';
import { commandHelp, overview } from './help';
import { openWrkr } from './open-wrkr';
import { waitForSignal } from './wait-for-signal';
import type { CommandIo } from './output';

/** Usage text of the `wrkr` command (the overview; each command has its own `--help`). */
export const USAGE = overview();

/** The version of @wrkr/cli. */
export const VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Run the `wrkr` command line; resolves with the process exit code (0 ok, 1 failure, 2 bad usage or config). */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    // `wrkr help publish` reads as naturally as `wrkr publish --help`.
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic !== undefined && isCommand(topic)) {
      io.stdout.write(commandHelp(topic));
      return 0;
    }
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!isCommand(command)) {
    io.stderr.write(`wrkr: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  const spec = COMMANDS[command];
  try {
    const { values, positionals } = parseArgs({ args: rest, options: parserOptions(spec), allowPositionals: true });
    if (values.help) {
      io.stdout.write(commandHelp(command));
      return 0;
    }
    if (command === 'worker' || command === 'serve') {
      const flags = values as CommonFlags;
      // `--paths a b c` reads naturally; parseArgs leaves `b c` as positionals.
      if (positionals.length > 0) flags.paths = [...(flags.paths ?? []), ...positionals];
      const config = loadConfig(flags, io.env, io.cwd);
      return command === 'worker' ? await workerCommand(config) : await serveCommand(config, io);
    }
    const config = loadConfig(values, io.env, io.cwd, { requireBackend: `wrkr ${command}` });
    const wrkr = await openWrkr(config, { worker: false, scheduler: false });
    try {
      return command === 'watch' ? await watchCommand(wrkr, positionals, values, io, waitForSignal) : await operatorCommand(command, wrkr, positionals, values, io);
    } finally {
      await wrkr.stop({ timeout: 0 });
    }
  } catch (err) {
    return report(err, command, io);
  }
}

function report(err: unknown, command: string, io: CommandIo): number {
  const code = (err as { code?: unknown }).code;
  const usage = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
  // Driver messages may quote the backend URL; its password never reaches the terminal.
  io.stderr.write(`wrkr ${command}: ${maskUrl((err as Error).message ?? String(err))}\n`);
  if (usage) io.stderr.write(`(wrkr ${command} --help lists its options)\n`);
  if (usage || isWrkrError(err, 'ERR_WRKR_VALIDATION')) return 2;
  return 1;
}
