import { Cron } from 'croner';
import { parseDuration, type Duration } from './duration';
import { ValidationError } from './errors';
import type { ScheduleRecord } from './contract';
import { assertKnownKeys, isPlainObject } from './validation';

/** When a recurring schedule fires: every interval, or on a cron expression in a time zone. */
export type ScheduleRuleInput = { every: Duration } | { cron: string; tz?: string };

/** The stored form of a rule. */
export type StoredRule = ScheduleRecord['rule'];

/** Validate a rule given by a user and normalise it to its stored form. */
export function parseScheduleRule(input: unknown, field = 'rule'): StoredRule {
  if (!isPlainObject(input)) throw new ValidationError(field, "must be { every } or { cron, tz? }");
  if ('every' in input) {
    assertKnownKeys(input, ['every'], field);
    const every = parseDuration(input.every, `${field}.every`);
    if (every < 1000) throw new ValidationError(`${field}.every`, 'must be at least 1 second');
    return { every };
  }
  if ('cron' in input) {
    assertKnownKeys(input, ['cron', 'tz'], field);
    const { cron, tz } = input;
    if (typeof cron !== 'string' || cron.trim() === '') throw new ValidationError(`${field}.cron`, 'must be a cron expression');
    if (tz !== undefined && (typeof tz !== 'string' || !isTimeZone(tz))) throw new ValidationError(`${field}.tz`, typeof tz === 'string' ? `unknown time zone ${JSON.stringify(tz)}` : 'must be a time zone name');
    try {
      compile(cron, tz);
    } catch (err) {
      throw new ValidationError(`${field}.cron`, `invalid cron expression ${JSON.stringify(cron)}: ${(err as Error).message}`);
    }
    return tz === undefined ? { cron } : { cron, tz };
  }
  throw new ValidationError(field, "must have 'every' or 'cron'");
}

/** The first occurrence strictly after `after` (epoch ms). */
export function nextOccurrence(rule: StoredRule, after: number, anchor?: number): number {
  if ('every' in rule) {
    // Keep the phase of the previous occurrence so a late fire does not drift the series.
    if (anchor === undefined || anchor > after) return after + rule.every;
    return anchor + (Math.floor((after - anchor) / rule.every) + 1) * rule.every;
  }
  const next = compile(rule.cron, rule.tz).nextRun(new Date(after));
  if (!next) throw new ValidationError('rule.cron', `${JSON.stringify(rule.cron)} has no future occurrence`);
  return next.getTime();
}

function compile(cron: string, tz?: string): Cron {
  return new Cron(cron, { timezone: tz, paused: true });
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
