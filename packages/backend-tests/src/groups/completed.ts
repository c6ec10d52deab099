import assert from 'node:assert/strict';
import { isWrkrError, type Backend, type JobRecord, type KeepCompleted } from '@wrkr/core/backend';
import { assertSameMessage } from '../assertions';
import { LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { sleep } from '../eventually';
import { message, messages } from '../fixtures';
import { defineGroup } from '../suite';

const ids = (records: readonly JobRecord[]) => records.map((r) => r.message.id);
const KEEP = { count: 100, ageMs: 600_000 };

/**
 * 27. Completed items kept: `ack(ref, { keep })` keeps the item as `completed` with its result, seen by
 * every client through `job` and `jobs` (most recent first), the latest completion of an id replacing
 * the earlier one, trimmed to the newest `count` and never shown older than `ageMs`.
 */
export const completedTests = defineGroup('27. completed items kept', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs, leaseMs: LONG_LEASE_MS };

  /** Send one message, claim it from `b` and ack it there with `keep`; returns the ack's time window. */
  async function complete(a: Backend, b: Backend, keep: KeepCompleted, name = 'done.item', id?: string): Promise<{ id: string; before: number; after: number }> {
    const m = message(name, id === undefined ? {} : { id });
    await a.send('q', [{ message: m }]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(d.message.id, m.id);
    const before = Date.now();
    assert.equal(await b.ack(ref(d), { keep }), true);
    return { id: m.id, before, after: Date.now() };
  }

  test('an ack with keep leaves the item completed, with its result and completion time, in every client', ['keepCompleted', 'jobLookup', 'listings'], async () => {
    const [a, b] = await h.clients(2);
    const m = message('done.report', { body: '{"n":1}', tid: 't-1', headers: { trace: 'x' } });
    await a!.send('q', [{ message: m }]);
    const d = await mustClaim(b!, 'q', wait);
    const result = JSON.stringify({ rows: 42, note: 'résumé ✓' });
    const before = Date.now();
    assert.equal(await b!.ack(ref(d), { keep: { ...KEEP, result } }), true);
    const found = await a!.job('q', m.id);
    assert.ok(found, 'the kept item is found from another client');
    assert.equal(found.state, 'completed');
    assert.equal(found.queue, 'q');
    assertSameMessage(found.message, m);
    assert.equal(found.attempt, 1);
    assert.equal(found.result, result, 'the result, byte for byte');
    assert.ok(found.updatedAt !== undefined && found.updatedAt >= before - timing.dueToleranceMs && found.updatedAt <= Date.now() + timing.dueToleranceMs, 'updatedAt is the completion time');
    assert.deepEqual(await a!.jobs('q', { state: 'completed' }), [found], 'listed as job finds it');
    const stats = await a!.stats('q');
    assert.equal(stats.ready + stats.inFlight + stats.delayed, 0, 'no longer pending');
    assert.deepEqual(await a!.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 0 }), [], 'never delivered again');
  });

  test('completed items are listed most recent first and page like the other states; a plain ack keeps nothing', ['keepCompleted', 'listings', 'jobLookup'], async () => {
    const [a, b] = await h.clients(2);
    const done: string[] = [];
    for (let i = 0; i < 4; i++) {
      done.push((await complete(a!, b!, { ...KEEP, result: String(i) })).id);
      await sleep(5); // distinct completion times
    }
    const plain = message('done.plain');
    await a!.send('q', [{ message: plain }]);
    assert.equal(await b!.ack(ref(await mustClaim(b!, 'q', wait))), true);
    const listed = await a!.jobs('q', { state: 'completed' });
    assert.deepEqual(ids(listed), [...done].reverse(), 'most recent first, the plain ack absent');
    assert.deepEqual(listed.map((r) => r.result), ['3', '2', '1', '0']);
    assert.deepEqual(ids(await a!.jobs('q', { state: 'completed', limit: 2, offset: 1 })), [done[2], done[1]]);
    assert.equal(await a!.job('q', plain.id), undefined, 'an item acked without keep is gone');
  });

  test('completing an id again replaces its earlier completion: the latest result wins', ['keepCompleted', 'jobLookup', 'listings'], async () => {
    const [a, b] = await h.clients(2);
    const first = await complete(a!, b!, { ...KEEP, result: '"first"' });
    const other = await complete(a!, b!, { ...KEEP, result: '"other"' });
    await sleep(5);
    const again = await complete(a!, b!, { ...KEEP, result: '"second"' }, 'done.again', first.id);
    const found = await a!.job('q', first.id);
    assert.equal(found?.state, 'completed');
    assert.equal(found.result, '"second"', 'the latest result');
    assert.ok(found.updatedAt !== undefined && found.updatedAt >= again.before - timing.dueToleranceMs, 'the latest completion time');
    assert.deepEqual(ids(await a!.jobs('q', { state: 'completed' })), [first.id, other.id], 'listed once, as the most recent');
  });

  test('a queue keeps at most count completed items: the oldest are trimmed', ['keepCompleted', 'jobLookup', 'listings'], async () => {
    const [a, b] = await h.clients(2);
    const done: string[] = [];
    for (let i = 0; i < 5; i++) {
      done.push((await complete(a!, b!, { count: 3, ageMs: KEEP.ageMs, result: String(i) })).id);
      await sleep(5);
    }
    assert.deepEqual(ids(await a!.jobs('q', { state: 'completed' })), [done[4], done[3], done[2]], 'the newest three');
    assert.equal(await a!.job('q', done[0]!), undefined, 'the oldest is gone');
    assert.equal(await a!.job('q', done[1]!), undefined);
    const tight = await complete(a!, b!, { count: 1, ageMs: KEEP.ageMs });
    assert.deepEqual(ids(await a!.jobs('q', { state: 'completed' })), [tight.id], 'the bound of the latest ack applies');
  });

  test('a completed item older than ageMs is never shown again, even before another ack trims it', ['keepCompleted', 'jobLookup', 'listings'], async () => {
    const [a, b] = await h.clients(2);
    const ageMs = 300;
    const old = await complete(a!, b!, { count: 100, ageMs, result: '1' });
    const young = await complete(a!, b!, { ...KEEP, result: '2' });
    await sleep(old.after + ageMs + timing.dueToleranceMs - Date.now());
    assert.equal(await a!.job('q', old.id), undefined, 'too old: not found');
    assert.deepEqual(ids(await a!.jobs('q', { state: 'completed' })), [young.id], 'too old: not listed, the young one still is');
    const later = await complete(a!, b!, { ...KEEP, result: '3' });
    assert.deepEqual(ids(await a!.jobs('q', { state: 'completed' })), [later.id, young.id], 'a later ack does not bring it back');
  });

  test('a stale token keeps nothing, and bad keep options are refused with the lease left held', ['keepCompleted', 'jobLookup'], async () => {
    const [a, b] = await h.clients(2);
    const [m1, m2] = messages('done.refused', 2);
    await a!.send('q', [{ message: m1! }]);
    const stale = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs, leaseMs: timing.leaseMs });
    const again = await mustClaim(a!, 'q', { timeoutMs: timing.leaseMs + timing.patienceMs, leaseMs: LONG_LEASE_MS });
    assert.equal(await b!.ack(ref(stale), { keep: { ...KEEP, result: '"stale"' } }), false, 'the old token is refused');
    assert.equal((await a!.job('q', m1!.id))?.state, 'inFlight', 'and kept nothing');
    assert.equal(await a!.ack(ref(again)), true);

    await a!.send('q', [{ message: m2! }]);
    const held = await mustClaim(b!, 'q', wait);
    const loose = b as unknown as { ack: (...args: unknown[]) => Promise<unknown> };
    for (const options of [
      { keep: { count: 0, ageMs: 1000 } },
      { keep: { count: 1.5, ageMs: 1000 } },
      { keep: { count: 1, ageMs: 0 } },
      { keep: { count: 1 } },
      { keep: { count: 1, ageMs: 1000, result: '{not json' } },
      { keep: { count: 1, ageMs: 1000, result: '' } },
      { keep: { count: 1, ageMs: 1000, result: JSON.stringify('x'.repeat(5000)) } },
      { keep: { count: 1, ageMs: 1000, result: 7 } },
      { keep: { count: 1, ageMs: 1000, extra: true } },
      { keep: 'yes' },
      { other: 1 },
    ]) {
      await assert.rejects(() => loose.ack(ref(held), options), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), JSON.stringify(options));
    }
    assert.equal((await a!.job('q', m2!.id))?.state, 'inFlight', 'the lease still holds');
    assert.equal(await b!.ack(ref(held), { keep: { count: 1, ageMs: 60_000 } }), true);
    const found = await a!.job('q', m2!.id);
    assert.equal(found?.state, 'completed');
    assert.equal(found.result, undefined, 'kept without a result');
  });

  test('deleteQueue removes the kept completed items too', ['keepCompleted', 'jobLookup', 'listings'], async () => {
    const [a, b] = await h.clients(2);
    const done = await complete(a!, b!, { ...KEEP, result: '1' });
    await a!.deleteQueue('q');
    assert.equal(await b!.job('q', done.id), undefined);
    assert.deepEqual(await b!.jobs('q', { state: 'completed' }), []);
  });
});
