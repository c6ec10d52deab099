import assert from 'node:assert/strict';
import { BACKEND_CONTRACT_VERSION } from '@wrkr/core/backend';
import { CAPABILITIES } from '../capabilities';
import { assertExactlyOnce, collect, expectNothing, mustClaim, ref } from '../consume';
import { message, messages } from '../fixtures';
import { defineGroup } from '../suite';

/** 0. The contract's basics and the promises of its TSDoc: version, id de-duplication, attempts, claim options. */
export const contractTests = defineGroup('0. contract basics', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test(`implements contract version ${BACKEND_CONTRACT_VERSION}, has a name, and declares every capability flag`, [], async () => {
    const b = await h.client();
    assert.equal(b.contractVersion, BACKEND_CONTRACT_VERSION);
    assert.equal(typeof b.name, 'string');
    assert.ok(b.name.length > 0);
    for (const flag of CAPABILITIES) assert.equal(typeof b.capabilities[flag], 'boolean', `capabilities.${flag}`);
  });

  test('start and close are idempotent', [], async () => {
    const b = await h.client();
    await b.start();
    await b.send('q', [{ message: message('idem.start') }]);
    await mustClaim(b, 'q', wait);
    await b.close();
    await b.close();
  });

  test('a send whose id is already pending (ready, delayed or in flight) is not added again; after the ack it is', ['delayed', 'idempotentIds'], async () => {
    const b = await h.client();
    const sent = message('dedup.job');
    await b.send('q', [{ message: sent }, { message: { ...sent, body: '"dup in batch"' } }]);
    await b.send('q', [{ message: { ...sent, body: '"dup while ready"' } }]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(d.message.body, sent.body);
    await b.send('q', [{ message: { ...sent, body: '"dup while in flight"' } }]);
    await b.send('q', [{ message: { ...sent, body: '"dup delayed"' }, dueAt: Date.now() + 60_000 }]);
    await expectNothing(b, 'q', timing.settleMs, 'duplicates of a pending id');
    assert.equal((await b.stats('q')).delayed, 0, 'a delayed duplicate is not added');
    assert.equal(await b.ack(ref(d)), true);
    const later = { ...sent, body: '"after ack"' };
    await b.send('q', [{ message: later }]);
    assert.equal((await mustClaim(b, 'q', wait)).message.body, later.body, 'the id is free once the item is gone');
  });

  test('a publish whose id is already pending in a queue does not add it there again, but still reaches other queues', ['idempotentIds'], async () => {
    const b = await h.client();
    await b.bind('q1', 'dedup.event');
    const sent = message('dedup.event');
    await b.publish([{ message: sent }]);
    await b.bind('q2', 'dedup.event');
    await b.publish([{ message: sent }]);
    assert.equal((await mustClaim(b, 'q1', wait)).message.id, sent.id);
    assert.equal((await mustClaim(b, 'q2', wait)).message.id, sent.id);
    await expectNothing(b, 'q1', timing.settleMs, 'one copy per queue');
  });

  test('attempt numbering: +1 per delivery (expiry, retry), unchanged by release, restarting after replay', ['failedStore'], async () => {
    const b = await h.client();
    const lease = { leaseMs: timing.leaseMs, timeoutMs: timing.leaseMs + timing.dueToleranceMs + timing.patienceMs };
    await b.send('q', [{ message: message('attempts.job') }]);
    const d1 = await mustClaim(b, 'q', lease);
    assert.equal(d1.attempt, 1);
    const d2 = await mustClaim(b, 'q', lease);
    assert.equal(d2.attempt, 2, 'after lease expiry');
    await b.nack(ref(d2), { kind: 'retry', dueAt: 0 });
    const d3 = await mustClaim(b, 'q', lease);
    assert.equal(d3.attempt, 3, 'after retry');
    await b.nack(ref(d3), { kind: 'release' });
    const d3b = await mustClaim(b, 'q', lease);
    assert.equal(d3b.attempt, 3, 'after release');
    await b.nack(ref(d3b), { kind: 'fail', error: { message: 'x' } });
    assert.equal((await b.failed('q'))[0]?.attempt, 3);
    await b.replay('q');
    assert.equal((await mustClaim(b, 'q', lease)).attempt, 1, 'after replay');
  });

  test('claim returns at most max deliveries, all distinct, and repeated claims lease every item once', [], async () => {
    const b = await h.client();
    const batch = messages('max.job', 10);
    await b.send('q', batch.map((m) => ({ message: m })));
    const one = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: timing.patienceMs });
    assert.equal(one.length, 1);
    const three = await b.claim('q', { max: 3, leaseMs: 60_000, waitMs: timing.patienceMs });
    assert.ok(three.length >= 1 && three.length <= 3, `claim max 3 returned ${three.length}`);
    const rest = await collect([b], 'q', { count: 10 - one.length - three.length, patienceMs: timing.patienceMs, max: 4, ack: false });
    assertExactlyOnce([...one, ...three, ...rest], batch.map((m) => m.id));
  });

  test('claim with waitMs 0 on an empty queue returns at once; a waiting claim returns by waitMs', [], async () => {
    const b = await h.client();
    let started = Date.now();
    assert.deepEqual(await b.claim('empty', { max: 1, leaseMs: 1000, waitMs: 0 }), []);
    assert.ok(Date.now() - started <= timing.dueToleranceMs + 50, `waitMs 0 took ${Date.now() - started} ms`);
    started = Date.now();
    assert.deepEqual(await b.claim('empty', { max: 1, leaseMs: 1000, waitMs: 200 }), []);
    assert.ok(Date.now() - started <= 200 + timing.dueToleranceMs + 50, `waitMs 200 took ${Date.now() - started} ms`);
  });

  test('a waiting claim returns as soon as another client sends an item', [], async () => {
    const [consumer, producer] = await h.clients(2);
    const claiming = consumer!.claim('q', { max: 5, leaseMs: 60_000, waitMs: timing.patienceMs });
    await new Promise((r) => setTimeout(r, 50));
    const sentAt = Date.now();
    await producer!.send('q', [{ message: message('wake.up') }]);
    const got = await claiming;
    assert.equal(got.length, 1);
    assert.ok(Date.now() - sentAt <= timing.dueToleranceMs + 50, `woke ${Date.now() - sentAt} ms after the send`);
  });

  test('claim honours its AbortSignal: an aborted wait resolves at once and takes nothing', [], async () => {
    const b = await h.client();
    const abort = new AbortController();
    const started = Date.now();
    const claiming = b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 30_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    assert.deepEqual(await claiming, []);
    assert.ok(Date.now() - started <= 100 + timing.dueToleranceMs + 100, `resolved ${Date.now() - started} ms after start (aborted at 100)`);
    const already = AbortSignal.abort();
    const t = Date.now();
    assert.deepEqual(await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 30_000, signal: already }), []);
    assert.ok(Date.now() - t <= timing.dueToleranceMs + 50, 'an already-aborted signal returns at once');
    const sent = message('after.abort');
    await b.send('q', [{ message: sent }]);
    assert.equal((await mustClaim(b, 'q', wait)).message.id, sent.id, 'the aborted claim did not take the later item');
  });
});
