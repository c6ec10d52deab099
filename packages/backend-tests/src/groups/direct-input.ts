import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isWrkrError, type Backend } from '@wrkr/core/backend';
import { plain } from '../assertions';
import { LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { message, scheduleRecord } from '../fixtures';
import { defineGroup } from '../suite';

/** The backend with its argument types opened, so a test can pass what TypeScript would refuse. */
function loose(b: Backend): Record<keyof Backend, (...args: unknown[]) => Promise<unknown>> {
  return b as unknown as Record<keyof Backend, (...args: unknown[]) => Promise<unknown>>;
}

/** A call to refuse, with what it is. */
type Call = [what: string, call: (b: Backend) => Promise<unknown>];

/** Assert every call rejects (never throws synchronously) with a ValidationError. */
async function allRefused(b: Backend, calls: readonly Call[]): Promise<void> {
  for (const [what, call] of calls) {
    await assert.rejects(
      () => call(b),
      (err: unknown) => {
        assert.ok(isWrkrError(err, 'ERR_WRKR_VALIDATION') && err.name === 'ValidationError', `${what}: expected a ValidationError (ERR_WRKR_VALIDATION), got ${inspect(err)}`);
        return true;
      },
      `${what}: was accepted`,
    );
  }
}

/**
 * What a refused call could have touched: queues, bindings, the given queues' counts and failed items,
 * schedules and workers (as far as the backend has them).
 */
async function snapshot(b: Backend, queues: readonly string[]): Promise<unknown> {
  const { schedules, failedStore, workers } = b.capabilities;
  return plain({
    queues: await b.queues(),
    bindings: await b.bindings(),
    stats: await Promise.all(queues.map((q) => b.stats(q))),
    failed: failedStore ? await Promise.all(queues.map(async (q) => (await b.failed(q)).map((f) => f.message.id))) : [],
    schedules: schedules ? await b.listSchedules() : [],
    workers: workers ? (await b.workers()).map((w) => w.id) : [],
  });
}

/** Run `refuse` against a backend holding `queues`, and assert nothing any refused call could touch changed. */
async function nothingChanged(b: Backend, queues: readonly string[], refuse: () => Promise<void>): Promise<void> {
  const before = await snapshot(b, queues);
  await refuse();
  assert.deepEqual(await snapshot(b, queues), before, 'a refused call changed what the backend stores');
}

const BAD_QUEUES: readonly unknown[] = ['', ' q', '.q', 'q with space', 'q/x', 'x'.repeat(256), 42, null, undefined];
const BAD_IDS: readonly unknown[] = ['', 'has space', 'x'.repeat(201), 7, null];
const BAD_MS: readonly unknown[] = [-1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, '100'];

/**
 * 17. The backend itself refuses bad arguments, with the same ValidationError core would give, and
 * stores nothing: tools and tests call backends without Wrkr, so the checks must not live only in core.
 */
export const directInputTests = defineGroup('17. bad arguments refused by the backend itself, nothing stored', ({ h, timing, test }) => {
  test('bad queue names, patterns and ids are refused by every method taking them', [], async () => {
    const b = await h.client();
    await b.bind('all', '#');
    await nothingChanged(b, ['all'], () =>
      allRefused(b, [
        ...BAD_QUEUES.flatMap((q): Call[] => [
          [`bind(${inspect(q)})`, (x) => loose(x).bind(q, 'a.b')],
          [`unbind(${inspect(q)})`, (x) => loose(x).unbind(q, 'a.b')],
          [`send(${inspect(q)})`, (x) => loose(x).send(q, [{ message: message('a.b') }])],
          [`claim(${inspect(q)})`, (x) => loose(x).claim(q, { max: 1, leaseMs: 1000, waitMs: 0 })],
          [`stats(${inspect(q)})`, (x) => loose(x).stats(q)],
          [`deleteQueue(${inspect(q)})`, (x) => loose(x).deleteQueue(q)],
          [`failed(${inspect(q)})`, (x) => loose(x).failed(q)],
          [`replay(${inspect(q)})`, (x) => loose(x).replay(q)],
          [`purgeFailed(${inspect(q)})`, (x) => loose(x).purgeFailed(q)],
          [`job(${inspect(q)})`, (x) => loose(x).job(q, 'an-id')],
          ...(q === undefined ? [] : ([[`bindings(${inspect(q)})`, (x: Backend) => loose(x).bindings(q)]] as Call[])),
        ]),
        ...['', 'a..b', 'a.b*', 'a.#b', 'a b', 3].map((p): Call => [`bind pattern ${inspect(p)}`, (x) => loose(x).bind('q', p)]),
        ...['', 'a b'].map((p): Call => [`unbind pattern ${p}`, (x) => loose(x).unbind('all', p)]),
        ...BAD_IDS.map((id): Call => [`cancel(${inspect(id)})`, (x) => loose(x).cancel(id)]),
        ...BAD_IDS.map((id): Call => [`job('all', ${inspect(id)})`, (x) => loose(x).job('all', id)]),
      ]),
    );
  });

  test('malformed messages are refused, and a batch with one bad item stores none of it', [], async () => {
    const b = await h.client();
    await b.bind('all', '#');
    const good = () => ({ message: message('good.one') });
    const bad: Array<[string, unknown]> = [
      ['item not an object', 'a.b'],
      ['no message', {}],
      ['empty id', { message: message('a.b', { id: '' }) }],
      ['id with a space', { message: message('a.b', { id: 'a b' }) }],
      ['empty name', { message: message('') }],
      ['malformed name', { message: message('a..b') }],
      ['wildcard name', { message: message('a.*') }],
      ['empty tid', { message: message('a.b', { tid: '' }) }],
      ['non-string header', { message: message('a.b', { headers: { n: 1 } as never }) }],
      ['non-string body', { message: message('a.b', { body: { x: 1 } as never }) }],
      ['NaN publishedAt', { message: message('a.b', { publishedAt: Number.NaN }) }],
      ['negative publishedAt', { message: message('a.b', { publishedAt: -1 }) }],
      ['fractional publishedAt', { message: message('a.b', { publishedAt: 1.5 }) }],
      ['NaN dueAt', { message: message('a.b'), dueAt: Number.NaN }],
      ['negative dueAt', { message: message('a.b'), dueAt: -5 }],
      ['string dueAt', { message: message('a.b'), dueAt: 'soon' }],
    ];
    await nothingChanged(b, ['all'], () =>
      allRefused(b, [
        ['publish(not an array)', (x) => loose(x).publish(good())],
        ['send(not an array)', (x) => loose(x).send('all', good())],
        ...bad.flatMap(([what, item]): Call[] => [
          [`publish: ${what}`, (x) => loose(x).publish([good(), item])],
          [`send: ${what}`, (x) => loose(x).send('all', [good(), item])],
        ]),
      ]),
    );
  });

  test('bad claim options are refused and lease nothing', [], async () => {
    const b = await h.client();
    await b.send('work', [{ message: message('a.b') }]);
    const opts = { max: 1, leaseMs: 1000, waitMs: 0 };
    await nothingChanged(b, ['work'], () =>
      allRefused(b, [
        ['no options', (x) => loose(x).claim('work')],
        ['options not an object', (x) => loose(x).claim('work', 5)],
        ...[0, -1, 1.5, Number.NaN, 10_001, '1'].map((max): Call => [`max ${inspect(max)}`, (x) => loose(x).claim('work', { ...opts, max })]),
        ...[0, ...BAD_MS].map((leaseMs): Call => [`leaseMs ${inspect(leaseMs)}`, (x) => loose(x).claim('work', { ...opts, leaseMs })]),
        ...BAD_MS.map((waitMs): Call => [`waitMs ${inspect(waitMs)}`, (x) => loose(x).claim('work', { ...opts, waitMs })]),
        ['signal not an AbortSignal', (x) => loose(x).claim('work', { ...opts, signal: {} })],
      ]),
    );
  });

  test('bad lease references, nack outcomes and extend lengths are refused and leave the lease as it was', [], async () => {
    const b = await h.client();
    await b.send('work', [{ message: message('a.b') }]);
    const d = await mustClaim(b, 'work', { leaseMs: LONG_LEASE_MS, timeoutMs: timing.patienceMs });
    const good = ref(d);
    const badRefs: Array<[string, unknown]> = [
      ['null', null],
      ['a string', 'ref'],
      ['empty', {}],
      ['bad queue', { ...good, queue: 'a b' }],
      ['no id', { ...good, id: undefined }],
      ['empty id', { ...good, id: '' }],
      ['empty token', { ...good, token: '' }],
      ['numeric token', { ...good, token: 1 }],
    ];
    const badOutcomes: Array<[string, unknown]> = [
      ['no outcome', undefined],
      ['unknown kind', { kind: 'drop' }],
      ['no kind', {}],
      ['retry without dueAt', { kind: 'retry' }],
      ['retry with NaN dueAt', { kind: 'retry', dueAt: Number.NaN }],
      ['retry with a bad error', { kind: 'retry', dueAt: Date.now(), error: { message: 5 } }],
      ['fail without error', { kind: 'fail' }],
      ['fail with an error without message', { kind: 'fail', error: { name: 'E' } }],
    ];
    await nothingChanged(b, ['work'], () =>
      allRefused(b, [
        ...badRefs.flatMap(([what, r]): Call[] => [
          [`ack(${what})`, (x) => loose(x).ack(r)],
          [`nack(${what})`, (x) => loose(x).nack(r, { kind: 'release' })],
          [`extend(${what})`, (x) => loose(x).extend(r, 1000)],
        ]),
        ...badOutcomes.map(([what, o]): Call => [`nack: ${what}`, (x) => loose(x).nack(good, o)]),
        ...[0, ...BAD_MS].map((ms): Call => [`extend by ${inspect(ms)}`, (x) => loose(x).extend(good, ms)]),
      ]),
    );
    assert.equal(await b.ack(good), true, 'the lease still holds after the refused calls');
  });

  test('bad listing options and id lists are refused and move nothing', ['failedStore'], async () => {
    const b = await h.client();
    await b.send('work', [{ message: message('a.b') }]);
    const d = await mustClaim(b, 'work', { leaseMs: LONG_LEASE_MS, timeoutMs: timing.patienceMs });
    assert.equal(await b.nack(ref(d), { kind: 'fail', error: { message: 'boom' } }), true);
    await nothingChanged(b, ['work'], () =>
      allRefused(b, [
        ...[5, 'all', null].map((o): Call => [`failed options ${inspect(o)}`, (x) => loose(x).failed('work', o)]),
        ...[-1, 1.5, Number.NaN, '3'].flatMap((n): Call[] => [
          [`failed limit ${inspect(n)}`, (x) => loose(x).failed('work', { limit: n })],
          [`failed offset ${inspect(n)}`, (x) => loose(x).failed('work', { offset: n })],
        ]),
        ['failed with an unknown option', (x) => loose(x).failed('work', { lmit: 1 })],
        ...['id', [''], ['a b'], [d.message.id, 7]].flatMap((ids): Call[] => [
          [`replay ids ${JSON.stringify(ids)}`, (x) => loose(x).replay('work', ids)],
          [`purgeFailed ids ${JSON.stringify(ids)}`, (x) => loose(x).purgeFailed('work', ids)],
        ]),
      ]),
    );
  });

  test('bad schedule records, names and fire arguments are refused; the stored schedule stays and nothing is published', ['schedules'], async () => {
    const b = await h.client();
    await b.bind('all', '#');
    const t = Date.now();
    const stored = scheduleRecord('nightly', 'report.run', t + 60_000, { updatedAt: t });
    await b.upsertSchedule(stored);
    const badRecords: Array<[string, unknown]> = [
      ['null', null],
      ['no name', { ...stored, name: undefined }],
      ['name with a space', { ...stored, name: 'a b' }],
      ['empty rule', { ...stored, rule: {} }],
      ['every 0', { ...stored, rule: { every: 0 } }],
      ['every NaN', { ...stored, rule: { every: Number.NaN } }],
      ['empty cron', { ...stored, rule: { cron: '' } }],
      ['numeric tz', { ...stored, rule: { cron: '0 2 * * *', tz: 5 } }],
      ['no event', { ...stored, event: undefined }],
      ['malformed event name', { ...stored, event: { name: 'a..b' } }],
      ['non-string event header', { ...stored, event: { name: 'a.b', headers: { n: 1 } } }],
      ['active not a boolean', { ...stored, active: 'yes' }],
      ['no active', { ...stored, active: undefined }],
      ['NaN nextRunAt', { ...stored, nextRunAt: Number.NaN }],
      ['negative updatedAt', { ...stored, updatedAt: -1 }],
      ['string lastRunAt', { ...stored, lastRunAt: 'yesterday' }],
    ];
    const expected = { runAt: stored.nextRunAt, updatedAt: stored.updatedAt };
    const fire = (name: unknown, exp: unknown, next: unknown, m: unknown) => (x: Backend) => loose(x).fireSchedule(name, exp, next, m);
    await nothingChanged(b, ['all'], () =>
      allRefused(b, [
        ...badRecords.map(([what, r]): Call => [`upsertSchedule: ${what}`, (x) => loose(x).upsertSchedule(r)]),
        ...BAD_IDS.flatMap((name): Call[] => [
          [`removeSchedule(${inspect(name)})`, (x) => loose(x).removeSchedule(name)],
          [`getSchedule(${inspect(name)})`, (x) => loose(x).getSchedule(name)],
          [`fireSchedule(${inspect(name)})`, fire(name, expected, t + 120_000, message('report.run'))],
        ]),
        ['fireSchedule: no expectation', fire('nightly', undefined, t + 120_000, message('report.run'))],
        ['fireSchedule: NaN runAt', fire('nightly', { ...expected, runAt: Number.NaN }, t + 120_000, message('report.run'))],
        ['fireSchedule: no updatedAt', fire('nightly', { runAt: expected.runAt }, t + 120_000, message('report.run'))],
        ['fireSchedule: fractional nextRunAt', fire('nightly', expected, t + 0.5, message('report.run'))],
        ['fireSchedule: no message', fire('nightly', expected, t + 120_000, undefined)],
        ['fireSchedule: malformed message', fire('nightly', expected, t + 120_000, message('a..b'))],
      ]),
    );
    assert.deepEqual(plain(await b.getSchedule('nightly')), plain(stored), 'the stored schedule is unchanged');
  });

  test('bad worker ids, instances, meta and ttls are refused and register nothing', ['workers'], async () => {
    const b = await h.client();
    await nothingChanged(b, [], () =>
      allRefused(b, [
        ...BAD_IDS.flatMap((id): Call[] => [
          [`registerWorker id ${inspect(id)}`, (x) => loose(x).registerWorker(id, 'inst', {}, 1000)],
          [`registerWorker instance ${inspect(id)}`, (x) => loose(x).registerWorker('w1', id, {}, 1000)],
          [`heartbeat id ${inspect(id)}`, (x) => loose(x).heartbeat(id, 'inst', 1000)],
          [`unregisterWorker id ${inspect(id)}`, (x) => loose(x).unregisterWorker(id, 'inst')],
        ]),
        ...[null, 'meta', { f: Number.NaN }, { d: new Date() }].map((meta): Call => [`registerWorker meta ${inspect(meta)}`, (x) => loose(x).registerWorker('w1', 'inst', meta, 1000)]),
        ...[0, ...BAD_MS].flatMap((ttl): Call[] => [
          [`registerWorker ttl ${inspect(ttl)}`, (x) => loose(x).registerWorker('w1', 'inst', {}, ttl)],
          [`heartbeat ttl ${inspect(ttl)}`, (x) => loose(x).heartbeat('w1', 'inst', ttl)],
        ]),
        ['heartbeat meta not JSON', (x) => loose(x).heartbeat('w1', 'inst', 1000, { f: () => 1 })],
      ]),
    );
  });
});
