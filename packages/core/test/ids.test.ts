import { newId } from '../src/ids';

describe('newId', () => {
  test('is a ULID: 26 Crockford base32 characters whose first ten are the time', () => {
    const before = Date.now();
    const id = newId();
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    let ms = 0;
    for (const c of id.slice(0, 10)) ms = ms * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });

  test('ids made in one burst are unique and strictly increasing (monotonic within a millisecond)', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  test('the random part differs between milliseconds (not a counter from a fixed start)', async () => {
    const a = newId();
    await new Promise((r) => setTimeout(r, 5));
    const b = newId();
    expect(a.slice(10)).not.toBe(b.slice(10));
  });
});
