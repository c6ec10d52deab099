import { LOG_REDACT_PATHS } from '@wrkr/core';
import pino from 'pino';

/**
 * The command's JSON logger on stdout; synchronous so no line is lost when the process exits right after
 * stopping. Known secret-holding fields (authorization headers, passwords, Redis command arguments) are redacted.
 */
export function createLogger(level: string): pino.Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } }, pino.destination({ dest: 1, sync: true }));
}
