import pino from 'pino';

/** The command's JSON logger on stdout; synchronous so no line is lost when the process exits right after stopping. */
export function createLogger(level: string): pino.Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 1, sync: true }));
}
