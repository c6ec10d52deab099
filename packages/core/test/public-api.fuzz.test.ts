import fc from 'fast-check';
import { MemoryBackend } from '@wrkr/backend-memory';
import { randomBytes } from 'node:crypto';
import { MAX_DURATION_MS, Wrkr, isWrkrError, type Backend } from '../src';

// Generated bad (and some good) input against the public API over the memory backend: every refusal is a
// typed WrkrError, never a TypeError or RangeError from deep inside, and a refused call stores nothing.
let wrkr: Wrkr;
let backend: Backend;
beforeAll(async () => {
  // The store's clock stands still, so no delayed item an earlier accepted call stored falls due between
  // the two reads of a refused call (it moved from delayed to ready and looked like a change).
  const frozen = Date.now();
  backend = new MemoryBackend({ now: () => frozen });
  // Encryption on, with an owner map, so owner headers reach the key lookup.
  wrkr = new Wrkr({ backend, worker: false, scheduler: false, encryption: { keys: { k1: randomBytes(32), k2: randomBytes(32) }, currentKey: 'k1', ownerKeys: { acme: 'k2' } } });
  await wrkr.start();
  await wrkr.bind('all', '#');
});
afterAll(() => wrkr.stop({ timeout: 1000 }));

const RUNS = { numRuns: 200 };

/** Values of every JavaScript kind, from the plausible to the hostile. */
const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    undefined, null, true, 0, -0, -1, 1.5, 1e308, Number.NaN, Infinity, -Infinity, 10n, Symbol('s'), () => 1,
    new Date(), new Date('nope'), new Map(), new Set(), [], {}, Object.create(null), '', ' ', 'a.b', '5m', '-5s',
    '99999999999 years', '2999-01-01T00:00:00Z', '__proto__', 'constructor', 'toString', 'a..b', 'x'.repeat(300),
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', '__proto__', 'constructor', 'toString', ''), fc.oneof(fc.string({ maxLength: 4 }), fc.integer())),
);
const deep = fc.integer({ min: 90, max: 3000 }).map((levels) => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
});
const owner = fc.constantFrom('acme', 'other', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf');
const headers = fc.oneof(fc.record({ owner, 'x-h': fc.oneof(fc.string({ maxLength: 4 }), hostile) }, { requiredKeys: ['owner'] }), hostile);
const name = fc.oneof(fc.constantFrom('a.b', 'ourapp.user.added'), hostile);
const duration = fc.oneof(fc.constantFrom(0, 50, '10s', '90 minutes'), hostile);
const event = fc.oneof(
  { weight: 8, arbitrary: fc.record({ name, tid: hostile, data: fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostile, deep), headers, id: hostile, when: duration, extra: hostile }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: hostile },
);
const queue = fc.oneof(fc.constantFrom('orders', 'a:b-c_d'), hostile);
const options = fc.oneof(
  fc.record({ concurrency: hostile, visibilityTimeout: duration, retry: fc.oneof(hostile, fc.record({ attempts: hostile, backoff: hostile, delay: duration }, { requiredKeys: [] })), timeout: duration, data: hostile, logBindings: hostile, extra: hostile }, { requiredKeys: [] }),
  hostile,
);
const rule = fc.oneof(fc.record({ every: duration, cron: hostile, tz: hostile }, { requiredKeys: [] }), hostile);

async function state(): Promise<string> {
  const queues = await backend.queues();
  const stats = await Promise.all(queues.map(async (q) => [q, await backend.stats(q)] as const));
  return JSON.stringify({ queues, stats, bindings: await backend.bindings(), schedules: (await backend.listSchedules()).map((s) => s.name) });
}

/** Run `call`; a refusal must be a WrkrError and leave the store as it was. Returns what an accepted call resolved to. */
async function refusedCleanly<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  const before = await state();
  try {
    return { ok: true, value: await call() };
  } catch (err) {
    if (!isWrkrError(err)) throw new Error(`untyped refusal: ${String(err)}`, { cause: err });
    expect(await state()).toBe(before);
    return { ok: false };
  }
}

/** An accepted event is due within the horizon. */
function withinHorizon(published: unknown): void {
  for (const p of [published].flat() as Array<{ dueAt: number }>) expect(p.dueAt).toBeLessThanOrEqual(Date.now() + MAX_DURATION_MS);
}

test('publish: every refusal is a WrkrError and stores nothing; an accepted event is due within 10 years', async () => {
  await fc.assert(fc.asyncProperty(fc.oneof(event, fc.array(event, { maxLength: 3 })), async (e) => {
    const res = await refusedCleanly(() => wrkr.publish(e as never));
    if (res.ok) withinHorizon(res.value);
  }), { ...RUNS, examples: [[{ name: 'a.b', data: 1, headers: { owner: 'constructor' } }], [{ name: 'a.b', when: 1e308 }]] });
});

test('send: every refusal is a WrkrError and stores nothing', async () => {
  await fc.assert(fc.asyncProperty(queue, event, async (q, e) => {
    const res = await refusedCleanly(() => wrkr.send(q as string, e as never));
    if (res.ok) withinHorizon(res.value);
  }), RUNS);
});

test('schedule: every refusal is a WrkrError and stores nothing', async () => {
  await fc.assert(fc.asyncProperty(name, rule, event, async (n, r, e) => {
    const res = await refusedCleanly(() => wrkr.schedule(n as string, r as never, e as never));
    if (res.ok) await wrkr.unschedule(n as string);
  }), RUNS);
});

test('subscribe: every refusal is a WrkrError and binds nothing', async () => {
  await fc.assert(fc.asyncProperty(queue, fc.oneof(name, fc.constant(null), fc.array(name, { maxLength: 2 })), options, async (q, p, o) => {
    const res = await refusedCleanly(() => wrkr.subscribe(q as string, p as never, () => undefined, o as never));
    if (res.ok) {
      await res.value.close();
      await backend.deleteQueue(q as string);
    }
  }), RUNS);
});
