import { assertEventName, assertHeaders, assertJson, assertKnownKeys, assertPattern, assertQueueName } from '../src/validation';
import { ValidationError } from '../src/errors';

describe('validation', () => {
  it.each(['a', 'ourapp.user.added', 'user-svc.x_y.V2'])('accepts event name %p', (n) => expect(() => assertEventName(n)).not.toThrow());
  it.each(['', '.a', 'a.', 'a..b', 'a.*', 'a.#', 'a b', 'ü.x', 'x'.repeat(256), 5, null])('refuses event name %p', (n) => {
    expect(() => assertEventName(n)).toThrow(ValidationError);
  });
  it.each(['#', '*', 'a.*.c', 'a.#', '#.b'])('accepts pattern %p', (p) => expect(() => assertPattern(p)).not.toThrow());
  it.each(['', 'a..b', 'a.**', 'a.b#', 'a b'])('refuses pattern %p', (p) => expect(() => assertPattern(p)).toThrow(ValidationError));
  it.each(['orders', 'ourApp.CustomerSatisfactionTeam', 'a:b-c_d'])('accepts queue %p', (q) => expect(() => assertQueueName(q)).not.toThrow());
  it.each(['', '.x', 'a b', 'a/b', 'x'.repeat(300)])('refuses queue %p', (q) => expect(() => assertQueueName(q)).toThrow(ValidationError));

  it('accepts JSON and refuses what does not survive a JSON round trip', () => {
    expect(() => assertJson({ a: [1, 'x', null, { b: true }], 'ü': '😀' })).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, () => 1, Number.NaN, Infinity, 10n, Symbol('x'), new Date(), new Map(), cyclic, { a: undefined }, [1, undefined]]) {
      expect(() => assertJson(bad)).toThrow(ValidationError);
    }
    expect(() => assertJson({ a: { b: [0, new Date()] } })).toThrow(/data\.a\.b\[1\]/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(() => assertJson({ a: shared, b: shared })).not.toThrow();
  });

  it('refuses non-string headers and unknown option keys', () => {
    expect(() => assertHeaders({ a: 'x' })).not.toThrow();
    expect(() => assertHeaders({ a: 1 })).toThrow(/headers\.a/);
    expect(() => assertHeaders('x')).toThrow(ValidationError);
    expect(() => assertKnownKeys({ concurency: 2 }, ['concurrency'], 'options')).toThrow(/options\.concurency: unknown option/);
  });
});
