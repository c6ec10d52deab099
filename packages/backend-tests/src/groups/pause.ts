import assert from 'node:assert/strict';
import { isWrkrError } from '@wrkr/core/backend';
import { assertStats } from '../assertions';
import { expectNothing, LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

/** How long a pause or resume may take to reach every client (the contract's bound). */
const PROPAGATION_MS = 1000;

/**
 * 18. Pause and resume: a queue paused through one client is not claimed from by any client, keeps
 * taking items and keeps its leases; resumed, every client claims from it again, waiting claims included.
 */
export const pauseTests = defineGroup('18. pause and resume', ({ h, timing, test }) => {
  test('a queue paused by one client is not claimed from by another; items keep arriving; resume hands them out', ['pause'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('before.pause') }]);
    await a!.pause('q');
    const sent = message('while.paused');
    await b!.send('q', [{ message: sent }]);
    await expectNothing(b!, 'q', PROPAGATION_MS + timing.settleMs, 'paused by the other client');
    await expectNothing(a!, 'q', 0, 'paused by this client');
    const stats = await b!.stats('q');
    assertStats(stats, { ready: 2 }, 'q while paused');
    assert.equal(stats.paused, true, 'stats of the other client say paused');
    await a!.resume('q');
    const got = [await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs }), await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs })];
    assert.deepEqual(got.map((d) => d.message.name).sort(), ['before.pause', 'while.paused']);
    assert.notEqual((await a!.stats('q')).paused, true, 'stats say not paused after resume');
  });

  test('a claim waiting in another client when the queue is paused gets nothing until resume, then the item', ['pause'], async () => {
    const [a, b] = await h.clients(2);
    await a!.pause('q');
    const waiting = b!.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: timing.patienceMs + 2 * PROPAGATION_MS });
    await a!.send('q', [{ message: message('arrives.paused') }]);
    const early = await Promise.race([waiting, new Promise<'none'>((r) => setTimeout(() => r('none'), PROPAGATION_MS + timing.settleMs))]);
    assert.equal(early, 'none', 'a waiting claim was served from a paused queue');
    await a!.resume('q');
    const got = await waiting;
    assert.equal(got.length, 1, 'the waiting claim is served after resume');
    assert.equal(got[0]!.message.name, 'arrives.paused');
  });

  test('pausing leaves leases in flight alone and other queues claimable', ['pause'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('held') }, { message: message('queued') }]);
    await a!.send('other', [{ message: message('elsewhere') }]);
    const held = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    await a!.pause('q');
    await a!.pause('q');
    assert.equal(await b!.extend(ref(held), LONG_LEASE_MS), true, 'extend while paused');
    assert.equal(await b!.ack(ref(held)), true, 'ack while paused');
    assert.equal((await mustClaim(b!, 'other', { timeoutMs: timing.patienceMs })).message.name, 'elsewhere', 'another queue is not paused');
    assertStats(await b!.stats('q'), { ready: 1 }, 'q');
    await expectNothing(b!, 'q', timing.settleMs, 'paused');
    await b!.resume('q');
    await b!.resume('q');
    assert.equal((await mustClaim(a!, 'q', { timeoutMs: timing.patienceMs })).message.name, 'queued');
  });

  test('pause and resume refuse an invalid queue name with a ValidationError', ['pause'], async () => {
    const b = await h.client();
    for (const call of [() => b.pause(''), () => b.resume('bad queue\n')]) {
      await assert.rejects(call, (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    }
  });
});
