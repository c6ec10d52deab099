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
// human-interval is lenient ('x days' → 0, 'ten-ish days' → 10 days), so strings must first read as
// "<number> <unit> [and <number> <unit>]…" before it is asked.
const NUMBER_WORD =
  /^(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)$/i;
const UNIT_WORD = /^(seconds?|minutes?|hours?|days?|weeks?|months?|years?)$/i;

function isSpokenDuration(s: string): boolean {
  const tokens = s.split(/[\s,]+/).filter(Boolean);
  let sawNumber = false;
  let sawUnit = false;
  for (const t of tokens) {
    if (/^\d+(\.\d+)?$/.test(t) || NUMBER_WORD.test(t)) sawNumber = true;
    else if (UNIT_WORD.test(t) && sawNumber) {
      sawNumber = false;
      sawUnit = true;
    } else if (!(t.toLowerCase() === 'and' && sawUnit && !sawNumber)) return false;
  }
  return sawUnit && !sawNumber;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function unitMs(unit: string): number {
  const u = unit.toLowerCase();
  if (u.startsWith('ms') || u.startsWith('milli')) return 1;
  if (u.startsWith('s')) return UNIT_MS.s!;
  if (u === 'm' || u.startsWith('min')) return UNIT_MS.m!;
  if (u.startsWith('h')) return UNIT_MS.h!;
  return UNIT_MS[u]!;
}

/** Longest Duration, and furthest `when`, accepted: 10 years (of 365.25 days) in ms. */
export const MAX_DURATION_MS = 10 * 365.25 * 86_400_000;

/** Parse a Duration into whole ms (0 to MAX_DURATION_MS), or throw a ValidationError naming `field`. */
export function parseDuration(value: unknown, field: string): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const s = value.trim();
    const compact = COMPACT.exec(s);
    if (/^\d+$/.test(s)) ms = Number(s);
    else if (compact) ms = Number(compact[1]) * unitMs(compact[2]!);
    else ms = isSpokenDuration(s) ? (humanInterval(s) ?? Number.NaN) : Number.NaN;
  } else {
    throw new ValidationError(field, `expected a duration (ms or a string like '90 minutes'), got ${typeof value}`);
  }
  if (!Number.isFinite(ms)) throw new ValidationError(field, `cannot read ${JSON.stringify(value)} as a duration`);
  if (ms < 0) throw new ValidationError(field, `must not be negative (got ${JSON.stringify(value)})`);
  if (ms > MAX_DURATION_MS) throw new ValidationError(field, `must be at most 10 years (got ${JSON.stringify(value)})`);
  return Math.round(ms);
}

/** Longest wait a Node timer can hold (2^31-1 ms, 24.8 days): one armed for longer fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Parse a Duration that arms a timer (timeouts, poll and heartbeat intervals): at most MAX_TIMER_MS. */
export function parseTimerDuration(value: unknown, field: string): number {
  const ms = parseDuration(value, field);
  if (ms > MAX_TIMER_MS) throw new ValidationError(field, `must be at most 24 days (2^31-1 ms, the longest timer Node can set; got ${JSON.stringify(value)})`);
  return ms;
}

/** Parse a When into an absolute epoch-ms due time, relative to `now`, at most MAX_DURATION_MS ahead. */
export function parseWhen(value: unknown, now: number, field = 'when'): number {
  let t: number | undefined;
  if (value instanceof Date) {
    t = value.getTime();
    if (Number.isNaN(t)) throw new ValidationError(field, 'invalid Date');
  } else if (typeof value === 'string' && ISO_DATE.test(value.trim())) {
    t = Date.parse(value.trim());
    if (Number.isNaN(t)) throw new ValidationError(field, `invalid date ${JSON.stringify(value)}`);
  }
  if (t === undefined) return now + parseDuration(value, field);
  if (t > now + MAX_DURATION_MS) throw new ValidationError(field, `must be at most 10 years ahead (got ${new Date(t).toISOString()})`);
  return t;
}
