import assert from 'node:assert/strict';
import { assertSameMessage, assertStats, plain, CLOCK_SLACK_MS } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { sleep } from '../eventually';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

/** 5. Leases: expiry redelivers elsewhere, extend keeps the item, stale tokens change nothing. */
export const leaseTests = defineGroup('5. leases', ({ h, timing, test }) => {
  const { leaseMs, dueToleranceMs } = timing;
  const reclaim = { leaseMs, timeoutMs: leaseMs + dueToleranceMs + timing.patienceMs };

  /** A consumer's lease has expired and a second consumer now holds the item. */
  async function expiredAndReleased() {
    const [a, b] = await h.clients(2);
    const sent = message('lease.test');
    await a!.send('q', [{ message: sent }]);
    const first = await mustClaim(a!, 'q', { leaseMs, timeoutMs: timing.patienceMs });
    const second = await mustClaim(b!, 'q', reclaim);
    return { a: a!, b: b!, sent, first, second };
  }

  test('an expired lease redelivers the item to another consumer with attempt 2, not before the lease ends', [], async () => {
    const [a, b] = await h.clients(2);
    const sent = message('lease.test');
    await a!.send('q', [{ message: sent }]);
    const first = await mustClaim(a!, 'q', { leaseMs, timeoutMs: timing.patienceMs });
    await expectNothing(b!, 'q', Math.max(0, first.leaseUntil - Date.now() - 50), 'lease still held');
    const second = await mustClaim(b!, 'q', reclaim);
    const at = Date.now();
    assert.ok(at >= first.leaseUntil - CLOCK_SLACK_MS, `redelivered ${first.leaseUntil - at} ms before the lease ended`);
    assert.ok(at <= first.leaseUntil + dueToleranceMs + 50, `redelivered ${at - first.leaseUntil} ms after the lease ended (tolerance ${dueToleranceMs} ms)`);
    assert.equal(second.attempt, 2);
    assert.notEqual(second.token, first.token, 'a new lease needs a fresh token');
    assertSameMessage(second.message, sent);
  });

  test('extend keeps the lease: nobody else gets the item while it is extended, then ack succeeds', [], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('lease.test') }]);
    const d = await mustClaim(a!, 'q', { leaseMs, timeoutMs: timing.patienceMs });
    const until = Date.now() + leaseMs * 3;
    while (Date.now() < until) {
      assert.equal(await a!.extend(ref(d), leaseMs), true, 'extend of a held lease');
      await expectNothing(b!, 'q', Math.floor(leaseMs / 2), 'the lease was extended');
    }
    assertStats(await b!.stats('q'), { inFlight: 1 }, 'q');
    assert.equal(await a!.ack(ref(d)), true);
  });

  test('extend sets the lease to end leaseMs from now (it can also shorten it)', [], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('lease.test') }]);
    const d = await mustClaim(a!, 'q', { leaseMs: 60_000, timeoutMs: timing.patienceMs });
    assert.equal(await a!.extend(ref(d), leaseMs), true);
    const again = await mustClaim(b!, 'q', reclaim);
    assert.equal(again.attempt, 2);
  });

  test('a stale ack returns false and does not remove the item re-leased by another consumer', [], async () => {
    const { a, b, first, second } = await expiredAndReleased();
    assert.equal(await a.ack(ref(first)), false, 'stale ack');
    assertStats(await b.stats('q'), { inFlight: 1 }, 'q');
    assert.equal(await b.ack(ref(second)), true, 'the current holder can still ack');
  });

  test('a stale nack (retry, release, fail) returns false and changes nothing', [], async () => {
    const { a, b, first, second } = await expiredAndReleased();
    assert.equal(await a.nack(ref(first), { kind: 'retry', dueAt: 0 }), false, 'stale retry');
    assert.equal(await a.nack(ref(first), { kind: 'release' }), false, 'stale release');
    assert.equal(await a.nack(ref(first), { kind: 'fail', error: { message: 'stale' } }), false, 'stale fail');
    assertStats(await b.stats('q'), { inFlight: 1 }, 'q');
    await expectNothing(a, 'q', timing.settleMs, 'still leased by the second consumer');
    if (b.capabilities.failedStore) assert.deepEqual(plain(await b.failed('q')), []);
    assert.equal(await b.ack(ref(second)), true);
  });

  test('a stale extend returns false and does not prolong the lease of the new holder', [], async () => {
    const { a, b, first, second } = await expiredAndReleased();
    const c = await h.client();
    assert.equal(await a.extend(ref(first), 60_000), false, 'stale extend');
    const third = await mustClaim(c, 'q', { leaseMs, timeoutMs: Math.max(0, second.leaseUntil - Date.now()) + dueToleranceMs + timing.patienceMs });
    assert.equal(third.attempt, 3);
    assert.equal(await b.ack(ref(second)), false, 'the second lease has expired and the item was re-leased');
    assert.equal(await c.ack(ref(third)), true);
  });

  test('ack, nack and extend with a forged token or unknown id return false and change nothing', [], async () => {
    const b = await h.client();
    await b.send('q', [{ message: message('lease.test') }]);
    const d = await mustClaim(b, 'q', { timeoutMs: timing.patienceMs });
    const forged = { ...ref(d), token: `${d.token}-forged` };
    assert.equal(await b.ack(forged), false);
    assert.equal(await b.nack(forged, { kind: 'release' }), false);
    assert.equal(await b.extend(forged, 1), false);
    assert.equal(await b.ack({ queue: 'q', id: 'no-such-id', token: d.token }), false);
    assert.equal(await b.ack({ queue: 'other', id: d.message.id, token: d.token }), false);
    assertStats(await b.stats('q'), { inFlight: 1 }, 'q');
    await sleep(0);
    assert.equal(await b.ack(ref(d)), true);
  });
});
