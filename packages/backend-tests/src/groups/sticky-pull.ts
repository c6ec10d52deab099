import assert from 'node:assert/strict';
import { isWrkrError } from '@wrkr/core/backend';
import { assertStats } from '../assertions';
import { expectNothing, LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

/**
 * 27. Sticky pull: a claim with a `holder` that still holds a live lease in the queue gets that item
 * back (through any client) under a new lease; nobody else gets it meanwhile; ack by the holder's lease
 * ends it; once the lease expires the item goes to the next claimer and the holder's claim on it is gone.
 */
export const stickyPullTests = defineGroup('28. sticky pull', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('a worker gets the item it holds back through another client, as a new lease; other workers and plain claims do not get it', ['stickyPull'], async () => {
    const [a, b, c] = await h.clients(3);
    const first = message('sticky.first');
    const second = message('sticky.second');
    await a!.send('q', [{ message: first }, { message: second }]);
    const lost = await mustClaim(a!, 'q', { ...wait, holder: 'ext-1' });
    assert.equal(lost.message.id, first.id, 'the first claim takes the oldest item');
    const back = await mustClaim(b!, 'q', { ...wait, holder: 'ext-1' });
    assert.equal(back.message.id, first.id, 'the same worker, through another client, gets the item it holds, not the next one');
    assert.notEqual(back.token, lost.token, 'a new lease of the held item has a fresh token');
    assert.equal(back.attempt, lost.attempt + 1, 'a new lease of the held item counts as a delivery');
    assert.ok(back.leaseUntil >= lost.leaseUntil, 'the new lease runs from the re-claim');
    assert.equal(await a!.extend(ref(lost), LONG_LEASE_MS), false, 'the token the worker lost is stale');
    assert.equal(await c!.extend(ref(back), LONG_LEASE_MS), true, 'the new token holds the lease');
    assert.equal((await mustClaim(c!, 'q', { ...wait, holder: 'ext-1' })).message.id, first.id, 'an extended lease stays the worker\'s');
    const other = await mustClaim(c!, 'q', { ...wait, holder: 'ext-2' });
    assert.equal(other.message.id, second.id, 'another worker gets another item');
    await expectNothing(b!, 'q', timing.settleMs, 'both items are held');
    assert.deepEqual(await b!.heldBy('q', 'ext-2'), ref(other), 'heldBy finds the other worker\'s lease');
    assert.equal(await b!.heldBy('q', 'ext-3'), undefined, 'a worker that claimed nothing holds nothing');
    assert.equal(await b!.heldBy('other', 'ext-1'), undefined, 'a lease is held in its own queue only');
    assertStats(await a!.stats('q'), { inFlight: 2 }, 'q');
  });

  test('ack by the lease heldBy finds removes the held item; the worker then gets the next item', ['stickyPull'], async () => {
    const [a, b] = await h.clients(2);
    const first = message('sticky.first');
    const second = message('sticky.second');
    await a!.send('q', [{ message: first }, { message: second }]);
    const held = await mustClaim(a!, 'q', { ...wait, holder: 'ext-1' });
    const found = await b!.heldBy('q', 'ext-1');
    assert.deepEqual(found, ref(held), 'another client finds the worker\'s lease with its current token');
    assert.equal(await b!.ack(found), true, 'ack by the found lease');
    assert.equal(await a!.heldBy('q', 'ext-1'), undefined, 'after the ack the worker holds nothing');
    assert.equal(await a!.ack(ref(held)), false, 'the item is gone');
    const next = await mustClaim(b!, 'q', { ...wait, holder: 'ext-1' });
    assert.equal(next.message.id, second.id, 'the worker gets the next item');
    assert.equal(next.attempt, 1);
    const nacked = await a!.heldBy('q', 'ext-1');
    assert.equal(await a!.nack(nacked!, { kind: 'retry', dueAt: Date.now() + LONG_LEASE_MS }), true, 'nack by the found lease');
    assert.equal(await b!.heldBy('q', 'ext-1'), undefined, 'after a nack the worker holds nothing');
    assertStats(await b!.stats('q'), { delayed: 1 }, 'q');
  });

  test('after the lease expires the item goes to the next worker, and the first worker holds it no more', ['stickyPull'], async () => {
    const [a, b] = await h.clients(2);
    const sent = message('sticky.expiring');
    await a!.send('q', [{ message: sent }]);
    const first = await mustClaim(a!, 'q', { ...wait, leaseMs: timing.leaseMs, holder: 'ext-1' });
    const second = await mustClaim(b!, 'q', { leaseMs: LONG_LEASE_MS, timeoutMs: timing.leaseMs + timing.dueToleranceMs + timing.patienceMs, holder: 'ext-2' });
    assert.equal(second.message.id, sent.id, 'the expired item goes to the next worker');
    assert.equal(second.attempt, first.attempt + 1);
    assert.equal(await a!.heldBy('q', 'ext-1'), undefined, 'the first worker holds nothing after its lease expired');
    await expectNothing(a!, 'q', 0, 'the only item is held by the second worker');
    const again = await a!.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 0, holder: 'ext-1' });
    assert.deepEqual(again, [], 'the first worker does not get its old item back from the second');
    assert.deepEqual(await a!.heldBy('q', 'ext-2'), ref(second), 'the second worker holds it');
    assert.equal(await a!.ack(ref(first)), false, 'the first worker\'s token is stale');
    assert.equal(await b!.ack((await b!.heldBy('q', 'ext-2'))!), true);
    assertStats(await a!.stats('q'), {}, 'q');
  });

  test('two clients re-claiming for one worker at once both get its item; only the later lease holds', ['stickyPull'], async () => {
    const [a, b, c] = await h.clients(3);
    const held = message('sticky.held');
    await a!.send('q', [{ message: held }, { message: message('sticky.spare') }]);
    await mustClaim(a!, 'q', { ...wait, holder: 'ext-1' });
    const both = await Promise.all([b!, c!].map((x) => x.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 0, holder: 'ext-1' })));
    assert.deepEqual(both.map((got) => got.map((d) => d.message.id)), [[held.id], [held.id]], 'each re-claim returns the held item, never the spare');
    const live = await a!.heldBy('q', 'ext-1');
    const tokens = both.map((got) => got[0]!.token);
    assert.ok(live !== undefined && tokens.includes(live.token), 'the worker holds one of the two new leases');
    const acks = await Promise.all(both.map((got, i) => [b!, c!][i]!.ack(ref(got[0]!))));
    assert.deepEqual(acks.filter(Boolean).length, 1, 'exactly one of the two tokens holds the lease');
    assertStats(await a!.stats('q'), { ready: 1 }, 'q');
    assert.equal((await mustClaim(a!, 'q', wait)).message.name, 'sticky.spare', 'the spare is still there');
    await expectNothing(a!, 'q', timing.settleMs, 'the held item was acked');
  });

  test('a holder is refused unless it is an id and the claim takes one item', ['stickyPull'], async () => {
    const b = await h.client();
    const calls = [
      () => b.claim('q', { max: 2, leaseMs: LONG_LEASE_MS, waitMs: 0, holder: 'ext-1' }),
      () => b.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 0, holder: '' }),
      () => b.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 0, holder: 'has space' }),
      () => b.heldBy('q', 'x'.repeat(201)),
      () => b.heldBy('bad queue\n', 'ext-1'),
    ];
    for (const call of calls) await assert.rejects(call, (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
  });
});
