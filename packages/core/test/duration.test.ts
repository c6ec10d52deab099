import { MAX_DURATION_MS, parseDuration, parseWhen } from '../src/duration';
import { isWrkrError, ValidationError } from '../src/errors';

describe('parseDuration', () => {
  it.each([
    ['7 days', 7 * 86_400_000],
    ['90 minutes', 5_400_000],
    ['1.5 hours', 5_400_000],
    ['10s', 10_000],
    ['250ms', 250],
    ['5 milliseconds', 5],
    ['2m', 120_000],
    ['1 day and 3 hours', 97_200_000],
    ['1500', 1500],
    [0, 0],
    [1234, 1234],
  ] as Array<[string | number, number]>)('%p → %p ms', (input, ms) => {
    expect(parseDuration(input, 'x')).toBe(ms);
  });

  it.each(['soon-ish', '', '-5 seconds', 'ten-ish days', '5 fortnights', 'x days', 'days', '3 days foo', 'and 3 days'])('refuses %p with a ValidationError naming the field', (input) => {
    expect(() => parseDuration(input, 'retry.delay')).toThrow(ValidationError);
    try {
      parseDuration(input, 'retry.delay');
    } catch (err) {
      expect(isWrkrError(err, 'ERR_WRKR_VALIDATION')).toBe(true);
      expect((err as ValidationError).field).toBe('retry.delay');
    }
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, null, {}, true])('refuses %p', (input) => {
    expect(() => parseDuration(input, 'x')).toThrow(ValidationError);
  });
});

describe('parseWhen', () => {
  const now = Date.UTC(2026, 0, 1);
  it('reads delays relative to now', () => {
    expect(parseWhen('7 days', now)).toBe(now + 7 * 86_400_000);
    expect(parseWhen(500, now)).toBe(now + 500);
  });
  it('reads Dates and ISO strings as absolute times', () => {
    expect(parseWhen(new Date(now + 42), now)).toBe(now + 42);
    expect(parseWhen('2026-01-02T00:00:00Z', now)).toBe(Date.UTC(2026, 0, 2));
  });
  it('refuses invalid dates and bad strings', () => {
    expect(() => parseWhen(new Date('nope'), now)).toThrow(ValidationError);
    expect(() => parseWhen('2026-13-45T99:00:00Z', now)).toThrow(ValidationError);
    expect(() => parseWhen('soon-ish', now)).toThrow(/when: cannot read "soon-ish"/);
    expect(() => parseWhen(-5, now)).toThrow(/must not be negative/);
  });
  it('refuses due times beyond the 10-year horizon, however they are written', () => {
    expect(parseWhen('9 years', now)).toBe(now + 9 * 365 * 86_400_000);
    for (const when of [1e308, '99999999999 years', '11 years', MAX_DURATION_MS + 1, new Date(now + MAX_DURATION_MS + 1), '2999-01-01T00:00:00Z']) {
      expect(() => parseWhen(when, now)).toThrow(/when: must be at most 10 years/);
    }
    expect(() => parseDuration(1e308, 'options.timeout')).toThrow(ValidationError);
  });
});
