import { MAX_JSON_DEPTH, assertEventName, assertHeaders, assertJson, assertKnownKeys, assertPattern, assertQueueName } from '../src/validation';
import { ValidationError } from '../src/errors';
import { MemoryBackend } from '@wrkr/backend-memory';
import { NotStartedError, PayloadTooLargeError, Wrkr, isWrkrError } from '../src';
import { memoryWrkrs } from './harness';

describe('validation', () => {
  it.each(['a', 'ourapp.user.added', 'user-svc.x_y.V2'])('accepts event name %p', (n) => expect(() => assertEventName(n)).not.toThrow());
  it.each(['', '.a', 'a.', 'a..b', 'a.*', 'a.#', 'a b', 'ü.x', 'x'.repeat(256), 5, null])('refuses event name %p', (n) => {
    expect(() => assertEventName(n)).toThrow(ValidationError);
  });
  it.each(['#', '*', 'a.*.c', 'a.#', '#.b'])('accepts pattern %p', (p) => expect(() => assertPattern(p)).not.toThrow());
  it.each(['', 'a..b', 'a.**', 'a.b#', 'a b'])('refuses pattern %p', (p) => expect(() => assertPattern(p)).toThrow(ValidationError));
  it.each(['orders', 'ourApp.CustomerSatisfactionTeam', 'a:b-c_d'])('accepts queue %p', (q) => expect(() => assertQueueName(q)).not.toThrow());
  it.each(['', '.x', 'a b', 'a/b', 'x'.repeat(300), 10n, 5])('refuses queue %p', (q) => expect(() => assertQueueName(q)).toThrow(ValidationError));

  it('accepts JSON and refuses what does not survive a JSON round trip', () => {
    expect(() => assertJson({ a: [1, 'x', null, { b: true }], 'ü': '😀' })).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [undefined, () => 1, Number.NaN, Infinity, 10n, Symbol('x'), new Date(), new Map(), cyclic, { a: undefined }, [1, undefined]]) {
      expect(() => assertJson(bad)).toThrow(ValidationError);
    }
    expect(() => assertJson({ a: { b: [0, new Date()] } })).toThrow(/data\.a\.b\[1\]/);
  });

  it('accepts data nested MAX_JSON_DEPTH levels and refuses deeper data, 3,000 levels included, with ValidationError', async () => {
    const nest = (levels: number): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { a: v };
      return v;
    };
    expect(() => assertJson(nest(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => assertJson(nest(MAX_JSON_DEPTH + 1))).toThrow(/data: nests deeper than 100 levels/);
    expect(() => assertJson(nest(3000))).toThrow(ValidationError);
    const w = new Wrkr({ backend: new MemoryBackend(), worker: false, scheduler: false });
    await w.start();
    await w.bind('all', '#');
    await expect(w.publish({ name: 'a.b', data: nest(3000) })).rejects.toBeInstanceOf(ValidationError);
    expect(await w.stats('all')).toMatchObject({ ready: 0, delayed: 0 });
    await w.stop();
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

describe('Wrkr refuses bad input with typed errors and writes nothing', () => {
  const { make, store } = memoryWrkrs();

  const bad: Array<[string, (w: Wrkr) => Promise<unknown>]> = [
    ['empty name', (w) => w.publish({ name: '' })],
    ['malformed name', (w) => w.publish({ name: 'a..b' })],
    ['wildcard in a name', (w) => w.publish({ name: 'x.*' })],
    ["when: 'soon-ish'", (w) => w.publish({ name: 'x.y', when: 'soon-ish' })],
    ['negative delay', (w) => w.publish({ name: 'x.y', when: -5 })],
    ['non-JSON data', (w) => w.publish({ name: 'x.y', data: { f: () => 1 } })],
    ['a Date in data', (w) => w.publish({ name: 'x.y', data: { at: new Date() } })],
    ['non-string header', (w) => w.publish({ name: 'x.y', headers: { n: 1 as unknown as string } })],
    ['unknown event key', (w) => w.publish({ name: 'x.y', dta: 1 } as never)],
    ['one bad event in a batch', (w) => w.publish([{ name: 'x.y' }, { name: 'x..y' }])],
    ['bad queue name', (w) => w.send('bad queue', { name: 'x.y' })],
    ['bad pattern', (w) => w.subscribe('q2', 'a.**', async () => undefined)],
    ['unknown subscribe option', (w) => w.subscribe('q2', 'x.y', async () => undefined, { concurency: 2 } as never)],
    ['bad concurrency', (w) => w.subscribe('q2', 'x.y', async () => undefined, { concurrency: 0 })],
    ['bad cron', (w) => w.schedule('s1', { cron: 'every day' }, { name: 'x.y' })],
    ['bad time zone', (w) => w.schedule('s1', { cron: '0 2 * * *', tz: 'Nowhere/City' }, { name: 'x.y' })],
    ['bad every', (w) => w.schedule('s1', { every: 'soon-ish' }, { name: 'x.y' })],
  ];
  it.each(bad)('%s → ValidationError', async (_name, call) => {
    const w = await make();
    await w.bind('q', '#');
    const err = await call(w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(isWrkrError(err, 'ERR_WRKR_VALIDATION')).toBe(true);
    expect(await w.stats('q')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    expect(await w.stats('q2')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    expect(await w.bindings()).toEqual([{ queue: 'q', pattern: '#' }]);
    expect(await w.schedules()).toEqual([]);
  });

  it('oversized payload → PayloadTooLargeError', async () => {
    const w = await make({ maxPayloadBytes: 1024 });
    await w.bind('q', '#');
    await expect(w.publish({ name: 'x.y', data: 'x'.repeat(2000) })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect((await w.stats('q')).ready).toBe(0);
  });

  it('unknown constructor option and use before start', async () => {
    expect(() => new Wrkr({ backnd: 1 } as never)).toThrow(ValidationError);
    const w = new Wrkr({ backend: new MemoryBackend({ store: store() }), worker: false });
    await expect(w.publish({ name: 'x.y' })).rejects.toBeInstanceOf(NotStartedError);
  });
});
