import { LOG_REDACT_PATHS } from '@wrkr/core';
import pino from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from './config';
import { prettyLine } from './pretty-line';

/** The format to write: the one asked for, else pretty on a terminal and JSON lines for pipes and files. */
export function resolveLogFormat(format: LogFormat | undefined, stdout: { readonly isTTY?: boolean }): LogFormat {
  return format ?? (stdout.isTTY === true ? 'pretty' : 'json');
}

/**
 * The command's logger on stdout: one pretty line per entry (coloured where the terminal supports it), or
 * pino's JSON lines. Synchronous either way, so no line is lost when the process exits right after stopping.
 * Known secret-holding fields (authorization headers, passwords, Redis command arguments) are redacted.
 */
export function createLogger(level: string, format: LogFormat | undefined, stdout: { readonly isTTY?: boolean } = process.stdout): pino.Logger {
  const redact = { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' };
  if (resolveLogFormat(format, stdout) === 'json') return pino({ level, base: { pid: process.pid }, redact }, pino.destination({ dest: 1, sync: true }));
  const stream = pretty({
    destination: 1,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: prettyLine,
    // prettyLine prints every field and the error itself, on the same line.
    hideObject: true,
    errorLikeObjectKeys: [],
  });
  // No pid/hostname base: the terminal shows one process.
  return pino({ level, base: undefined, redact }, stream);
}
