import type { MessageFormatFunc } from 'pino-pretty';

/** Keys pino-pretty prints itself (time, level), that say nothing on a terminal, or that are printed last (err). */
const SKIPPED = new Set(['time', 'level', 'lib', 'backend', 'err']);

/**
 * The rest of a pretty log line after time and level: the message, then every field as `key=value`, and
 * the error as `err="Type: message" at=first-frame`, so an entry stays on one line however much it carries.
 */
export const prettyLine: MessageFormatFunc = (log, messageKey, _levelLabel, { colors }) => {
  const message = log[messageKey];
  const parts: string[] = [typeof message === 'string' ? message : fieldValue(message ?? '')];
  for (const [key, value] of Object.entries(log)) {
    if (SKIPPED.has(key) || key === messageKey || value === undefined) continue;
    parts.push(`${colors.gray(`${key}=`)}${fieldValue(isTimestamp(key, value) ? new Date(value).toISOString() : value)}`);
  }
  const err = log.err as { type?: string; message?: string; stack?: string } | undefined;
  if (err !== undefined) {
    parts.push(colors.red(`err=${JSON.stringify(`${err.type ?? 'Error'}: ${err.message ?? ''}`)}`));
    const frame = /\n\s+at (.+)/.exec(err.stack ?? '')?.[1];
    if (frame !== undefined) parts.push(colors.gray(`at=${frame}`));
  }
  return parts.join(' ');
};

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** `dueAt`, `runAt`… holding epoch milliseconds: shown as a time, which a person can read. */
function isTimestamp(key: string, value: unknown): value is number {
  return /At$/.test(key) && typeof value === 'number' && Number.isFinite(value) && value > 1e12;
}
