import assert from 'node:assert/strict';
import { assertExactlyOnce, collect, expectNothing, mustClaim } from '../consume';
import { message } from '../fixtures';
import { plain } from '../assertions';
import { defineGroup } from '../suite';

/** [pattern, event name, matches] — AMQP topic semantics: `*` exactly one word, `#` zero or more. */
export const PATTERN_CASES: ReadonlyArray<readonly [pattern: string, name: string, matches: boolean]> = [
  ['a.b.c', 'a.b.c', true],
  ['a.b.c', 'a.b', false],
  ['a.b', 'a.b.c', false],
  ['a.b', 'A.b', false],
  ['user_x.add-ed', 'user_x.add-ed', true],
  ['*', 'a', true],
  ['*', 'a.b', false],
  ['a.*', 'a.b', true],
  ['a.*', 'a', false],
  ['a.*', 'a.b.c', false],
  ['*.b', 'a.b', true],
  ['*.b', 'b', false],
  ['a.*.c', 'a.b.c', true],
  ['a.*.c', 'a.c', false],
  ['a.*.c', 'a.b.b.c', false],
  ['*.*', 'a.b', true],
  ['*.*', 'a', false],
  ['#', 'a', true],
  ['#', 'a.b.c', true],
  ['a.#', 'a', true],
  ['a.#', 'a.b', true],
  ['a.#', 'a.b.c.d', true],
  ['a.#', 'b.a', false],
  ['a.#', 'ab', false],
  ['#.c', 'c', true],
  ['#.c', 'a.b.c', true],
  ['#.c', 'a.c.d', false],
  ['a.#.b', 'a.b', true],
  ['a.#.b', 'a.x.b', true],
  ['a.#.b', 'a.x.y.z.b', true],
  ['a.#.b', 'a.x.c', false],
  ['a.#.b', 'a', false],
  ['#.b.#', 'b', true],
  ['#.b.#', 'x.b.y', true],
  ['#.b.#', 'x.c.y', false],
  ['*.#', 'a', true],
  ['*.#', 'a.b.c', true],
  ['#.*', 'a', true],
  ['a.*.#', 'a', false],
  ['a.*.#', 'a.b', true],
  ['a.*.#', 'a.b.c', true],
];

/** 2. Publish reaches every bound queue once, no unbound queue, with topic pattern semantics. */
export const fanOutTests = defineGroup('2. fan-out and pattern routing', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('a publish reaches every queue bound to a matching pattern, exactly once each', [], async () => {
    const b = await h.client();
    await b.bind('team-a', 'ourapp.user.added');
    await b.bind('team-b', 'ourapp.user.*');
    await b.bind('team-c', 'ourapp.#');
    await b.bind('other', 'ourapp.order.*');
    const sent = message('ourapp.user.added');
    await b.publish([{ message: sent }]);
    for (const queue of ['team-a', 'team-b', 'team-c']) {
      assert.equal((await mustClaim(b, queue, wait)).message.id, sent.id, `queue ${queue}`);
    }
    for (const queue of ['team-a', 'team-b', 'team-c', 'other']) await expectNothing(b, queue, 0, 'one copy per queue, none to unbound');
  });

  test('a queue bound by several matching patterns receives one copy', [], async () => {
    const b = await h.client();
    await b.bind('multi', 'x.y');
    await b.bind('multi', 'x.*');
    await b.bind('multi', '#');
    await b.publish([{ message: message('x.y') }]);
    await mustClaim(b, 'multi', wait);
    await expectNothing(b, 'multi', timing.settleMs, 'already delivered once');
  });

  test('a publish with no matching binding is stored nowhere, and a later binding does not receive it', [], async () => {
    const b = await h.client();
    await b.bind('unrelated', 'some.other');
    await b.publish([{ message: message('nobody.listens') }]);
    await b.bind('late', 'nobody.listens');
    await expectNothing(b, 'late', timing.settleMs, 'bound after the publish');
    await expectNothing(b, 'unrelated', 0);
  });

  test(`pattern table: ${PATTERN_CASES.length} cases of '*' (exactly one word) and '#' (zero or more words)`, [], async () => {
    const b = await h.client();
    // A leading literal word per case keeps cases apart in one namespace without changing their meaning.
    const cases = PATTERN_CASES.map(([pattern, name, matches], i) => ({ queue: `pt${i}`, pattern: `c${i}.${pattern}`, name: `c${i}.${name}`, matches, label: `'${pattern}' vs '${name}'` }));
    for (const c of cases) await b.bind(c.queue, c.pattern);
    await b.publish(cases.map((c) => ({ message: message(c.name) })));
    for (const c of cases.filter((x) => x.matches)) {
      const d = await mustClaim(b, c.queue, { timeoutMs: timing.patienceMs }).catch(() => undefined);
      assert.ok(d, `${c.label} should match`);
      assert.equal(d.message.name, c.name);
    }
    for (const c of cases.filter((x) => !x.matches)) {
      const got = await b.claim(c.queue, { max: 1, leaseMs: 60_000, waitMs: 0 });
      assert.equal(got.length, 0, `${c.label} should not match`);
    }
  });

  test('a batch publish fans every message out to every matching queue', [], async () => {
    const b = await h.client();
    await b.bind('all', 'batch.#');
    await b.bind('odd', 'batch.odd');
    const batch = Array.from({ length: 200 }, (_, i) => message(i % 2 ? 'batch.odd' : 'batch.even'));
    await b.publish(batch.map((m) => ({ message: m })));
    assertExactlyOnce(await collect([b], 'all', { count: 200, patienceMs: timing.patienceMs }), batch.map((m) => m.id), 'messages in queue all');
    const odd = batch.filter((m) => m.name === 'batch.odd').map((m) => m.id);
    assertExactlyOnce(await collect([b], 'odd', { count: odd.length, patienceMs: timing.patienceMs }), odd, 'messages in queue odd');
    await expectNothing(b, 'all', timing.settleMs);
  });

  test('binding is idempotent and listed once; bindings(queue) and bindings() list the pairs', [], async () => {
    const b = await h.client();
    await b.bind('q1', 'a.b');
    await b.bind('q1', 'a.b');
    await b.bind('q1', 'a.#');
    await b.bind('q2', 'c.*');
    const sort = (xs: Array<{ queue: string; pattern: string }>) => [...xs].sort((x, y) => `${x.queue} ${x.pattern}`.localeCompare(`${y.queue} ${y.pattern}`));
    assert.deepEqual(plain(sort(await b.bindings('q1'))), [
      { queue: 'q1', pattern: 'a.#' },
      { queue: 'q1', pattern: 'a.b' },
    ]);
    assert.deepEqual(plain(sort(await b.bindings())), [
      { queue: 'q1', pattern: 'a.#' },
      { queue: 'q1', pattern: 'a.b' },
      { queue: 'q2', pattern: 'c.*' },
    ]);
    assert.deepEqual(plain(await b.bindings('unknown')), []);
  });
});
