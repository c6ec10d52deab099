import { nextOccurrence, parseScheduleRule } from '../src/schedule-rule';
import { ValidationError } from '../src/errors';

describe('schedule rules', () => {
  it('parses every and cron with a time zone', () => {
    expect(parseScheduleRule({ every: '90 minutes' })).toEqual({ every: 5_400_000 });
    expect(parseScheduleRule({ cron: '0 2,10 * * *', tz: 'Europe/Amsterdam' })).toEqual({ cron: '0 2,10 * * *', tz: 'Europe/Amsterdam' });
  });

  it.each([{}, { every: 'soon-ish' }, { every: 10 }, { cron: 'not cron' }, { cron: '0 2 * * *', tz: 'Mars/Olympus' }, { every: '1m', cron: '* * * * *' }, 'x'])(
    'refuses %p',
    (rule) => expect(() => parseScheduleRule(rule)).toThrow(ValidationError),
  );

  it('computes cron occurrences in the time zone', () => {
    const rule = parseScheduleRule({ cron: '0 2,10 * * *', tz: 'Europe/Amsterdam' });
    // 2026-07-01 00:00 UTC = 02:00 in Amsterdam (CEST, UTC+2): the next is 10:00 local = 08:00 UTC.
    const after = Date.UTC(2026, 6, 1, 0, 0, 0);
    expect(new Date(nextOccurrence(rule, after)).toISOString()).toBe('2026-07-01T08:00:00.000Z');
  });

  it('keeps the phase of every-series after a late fire', () => {
    const rule = { every: 1000 };
    expect(nextOccurrence(rule, 10_500, 10_000)).toBe(11_000);
    expect(nextOccurrence(rule, 13_200, 10_000)).toBe(14_000);
    expect(nextOccurrence(rule, 5_000)).toBe(6_000);
  });
});
