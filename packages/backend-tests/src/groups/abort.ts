import assert from 'node:assert/strict';
import { isWrkrError } from '@wrkr/core/backend';
import { mustClaim, ref } from '../consume';
import { eventually } from '../eventually';
import { message, uniqueId } from '../fixtures';
import { defineGroup } from '../suite';

/** How long an abort may take to reach the lease holder in another client (the contract's bound). */
const PROPAGATION_MS = 1000;

/**
 * 19. Abort of running jobs: an abort made through one client reaches the lease holder in another, for
 * that lease only; an item that is not in flight cannot be aborted.
 */
export const abortTests = defineGroup('19. abort of running jobs', ({ h, timing, test }) => {
  test('an abort made through one client reaches the holder of the lease in another, with its reason and fail flag', ['abort'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('runs.long') }, { message: message('runs.too') }]);
    const held = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    const other = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    assert.deepEqual(await b!.abortRequests([ref(held), ref(other)]), [undefined, undefined], 'nothing requested yet');
    assert.equal(await a!.abort('q', held.message.id, { reason: 'operator said so', fail: true }), true, 'abort of an item in flight');
    const seen = await eventually(async () => {
      const [got] = await b!.abortRequests([ref(held)]);
      assert.ok(got, 'the holder sees the abort request');
      return got;
    }, PROPAGATION_MS);
    assert.deepEqual({ ...seen }, { reason: 'operator said so', fail: true });
    assert.deepEqual(await b!.abortRequests([ref(other), ref(held)]), [undefined, seen], 'only the aborted lease, in the order asked');
    assert.equal(await b!.ack(ref(held)), true, 'an aborted lease is still the holder’s to settle');
  });

  test('an abort without options arrives as an empty request', ['abort'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('plain') }]);
    const held = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    assert.equal(await a!.abort('q', held.message.id, {}), true);
    const [got] = await eventually(async () => {
      const found = await b!.abortRequests([ref(held)]);
      assert.ok(found[0]);
      return found;
    }, PROPAGATION_MS);
    assert.deepEqual({ ...got }, {});
  });

  test('an item that is not in flight (ready, unknown, acked) is not aborted', ['abort'], async () => {
    const [a, b] = await h.clients(2);
    const ready = message('waits');
    await a!.send('q', [{ message: ready }]);
    assert.equal(await a!.abort('q', uniqueId(), {}), false, 'unknown id');
    assert.equal(await a!.abort('q', ready.id, {}), false, 'ready item');
    const held = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    assert.deepEqual(await b!.abortRequests([ref(held)]), [undefined], 'an abort refused earlier left nothing behind');
    assert.equal(await b!.ack(ref(held)), true);
    assert.equal(await a!.abort('q', ready.id, {}), false, 'acked item');
  });

  test('a request is for one lease: the next delivery of the item does not see it', ['abort'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('comes.back') }]);
    // A long lease given back by release, not left to expire: a slow server must not let it run out first.
    const first = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs, leaseMs: 60_000 });
    assert.equal(await a!.abort('q', first.message.id, { reason: 'stop' }), true);
    assert.equal(await b!.nack(ref(first), { kind: 'release' }), true);
    const again = await mustClaim(a!, 'q', { timeoutMs: timing.patienceMs });
    assert.equal(again.message.id, first.message.id);
    assert.notEqual(again.token, first.token);
    assert.deepEqual(await b!.abortRequests([ref(again)]), [undefined], 'the new lease has no abort request');
    assert.deepEqual(await b!.abortRequests([]), []);
  });

  test('abort refuses bad arguments with a ValidationError', ['abort'], async () => {
    const b = await h.client();
    const loose = b as unknown as { abort: (...args: unknown[]) => Promise<unknown>; abortRequests: (...args: unknown[]) => Promise<unknown> };
    for (const call of [
      () => loose.abort('', 'id', {}),
      () => loose.abort('q', '', {}),
      () => loose.abort('q', 'id', { reason: 'x'.repeat(1001) }),
      () => loose.abort('q', 'id', { fail: 'yes' }),
      () => loose.abort('q', 'id', { later: true }),
      () => loose.abortRequests([{ queue: 'q', id: 'id', token: '' }]),
      () => loose.abortRequests('q'),
    ]) {
      await assert.rejects(call, (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    }
  });
});
