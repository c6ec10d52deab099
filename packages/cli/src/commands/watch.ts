import type { JobLifecycle, Wrkr } from '@wrkr/core';
import type { CommandIo } from '../output';
import { positionals } from './operator';

/**
 * `wrkr watch QUEUE`: print the queue's lifecycle events, one line each (text, or JSON with `json`), until
 * `untilStop()` resolves (SIGINT/SIGTERM); exit 0 then. "watching" goes to stderr once subscribed, so stdout
 * holds only events and a caller knows from when on none is missed.
 */
export async function watchCommand(wrkr: Wrkr, args: string[], flags: { json?: boolean }, io: CommandIo, untilStop: () => Promise<unknown>): Promise<number> {
  const [queue] = positionals(args, ['queue']);
  const stop = untilStop();
  const watch = await wrkr.watch(queue!);
  watch.on('event', (e) => io.stdout.write(`${flags.json ? JSON.stringify(e) : lifecycleLine(e)}\n`));
  io.stderr.write(`watching ${queue} (Ctrl-C to stop)\n`);
  await stop;
  await watch.close();
  return 0;
}

/** One event as a line of text: time, kind, queue, name, id, attempt, then what that kind carries. */
export function lifecycleLine(e: JobLifecycle): string {
  const head = `${new Date(e.at).toISOString()} ${e.kind.padEnd(9)} ${e.queue} ${e.name} ${e.id} attempt ${e.attempt}`;
  switch (e.kind) {
    case 'progress':
      return `${head} progress ${JSON.stringify(e.progress)}`;
    case 'completed':
      return e.result === undefined ? head : `${head} result ${JSON.stringify(e.result)}`;
    case 'retrying':
      return `${head} error ${JSON.stringify(e.error?.message)}, next attempt ${new Date(e.dueAt!).toISOString()}`;
    case 'failed':
      return `${head} error ${JSON.stringify(e.error?.message)}`;
    default:
      return head;
  }
}
