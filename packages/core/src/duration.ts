import humanInterval from 'human-interval';
import { ValidationError } from './errors';

/** A length of time: ms as a number, or a string such as `'90 minutes'`, `'7 days'`, `'10s'`, `'250ms'`. */
export type Duration = number | string;

/** A due time: a delay (Duration), a `Date`, or an ISO-8601 date string. */
export type When = Duration | Date;

// human-interval reads '5 millisecond' as 5 seconds and does not know '10s', so compact and
// millisecond forms are parsed here first; everything else goes to human-interval.
const COMPACT = /^(\d+(?:\.\d+)?)\s*(ms|msecs?|milliseconds?|s|secs?|m|mins?|h|hrs?|d|w)$/i;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function unitMs(unit: string): number {
  const u = unit.toLowerCase();
  if (u.startsWith('ms') || u.startsWith('milli')) return 1;
  if (u.startsWith('s')) return UNIT_MS.s!;
  if (u === 'm' || u.startsWith('min')) return UNIT_MS.m!;
  if (u.startsWith('h')) return UNIT_MS.h!;
  return UNIT_MS[u]!;
}

/** Parse a Duration into whole ms (≥ 0), or throw a ValidationError naming `field`. */
export function parseDuration(value: unknown, field: string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const s = value.trim();
    const compact = COMPACT.exec(s);
    if (/^\d+$/.test(s)) ms = Number(s);
    else if (compact) ms = Number(compact[1]) * unitMs(compact[2]!);
    else ms = s === '' ? Number.NaN : humanInterval(s) ?? Number.NaN;
  } else {
    throw new ValidationError(field, `expected a duration (ms or a string like '90 minutes'), got ${typeof value}`);
  }
  if (!Number.isFinite(ms)) throw new ValidationError(field, `cannot read ${JSON.stringify(value)} as a duration`);
  if (ms < 0) throw new ValidationError(field, `must not be negative (got ${JSON.stringify(value)})`);
  return Math.round(ms);
}

/** Parse a When into an absolute epoch-ms due time, relative to `now`. */
export function parseWhen(value: unknown, now: number, field = 'when'): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) throw new ValidationError(field, 'invalid Date');
    return t;
  }
  if (typeof value === 'string' && ISO_DATE.test(value.trim())) {
    const t = Date.parse(value.trim());
    if (Number.isNaN(t)) throw new ValidationError(field, `invalid date ${JSON.stringify(value)}`);
    return t;
  }
  return now + parseDuration(value, field);
}
