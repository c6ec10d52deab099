import assert from 'node:assert/strict';
import { isWrkrError } from '@wrkr/core/backend';
import { mustClaim, ref } from '../consume';
import { message, uniqueId } from '../fixtures';
import { defineGroup } from '../suite';

/**
 * 20. Stored progress: progress set by a lease holder is readable from every client while that lease
 * holds, the newest value wins, and it is gone once the item is acked or leased again.
 */
export const progressTests = defineGroup('20. stored progress', ({ h, timing, test }) => {
  test('progress stored by the holder in one client is read by another; the newest value wins', ['progress'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('reports') }]);
    const held = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    assert.equal(await a!.progress('q', held.message.id), undefined, 'nothing reported yet');
    assert.equal(await b!.setProgress(ref(held), '0.25'), true);
    assert.equal(await a!.progress('q', held.message.id), '0.25');
    const json = JSON.stringify({ done: 40, total: 100, step: 'résumé ✓' });
    assert.equal(await b!.setProgress(ref(held), json), true);
    assert.equal(await a!.progress('q', held.message.id), json, 'the newest value, byte for byte');
  });

  test('progress is gone once the item is acked, and unknown items have none', ['progress'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('finishes') }]);
    const held = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs });
    assert.equal(await b!.setProgress(ref(held), '1'), true);
    assert.equal(await b!.ack(ref(held)), true);
    assert.equal(await a!.progress('q', held.message.id), undefined, 'after ack');
    assert.equal(await a!.progress('q', uniqueId()), undefined, 'unknown id');
    assert.equal(await b!.setProgress(ref(held), '2'), false, 'setProgress after ack is refused');
  });

  test('a stale token stores nothing, and the next lease of the item starts without progress', ['progress'], async () => {
    const [a, b] = await h.clients(2);
    await a!.send('q', [{ message: message('comes.back') }]);
    const first = await mustClaim(b!, 'q', { timeoutMs: timing.patienceMs, leaseMs: timing.leaseMs });
    assert.equal(await b!.setProgress(ref(first), '"first lease"'), true);
    const again = await mustClaim(a!, 'q', { timeoutMs: timing.leaseMs + timing.patienceMs });
    assert.equal(again.message.id, first.message.id);
    assert.equal(await a!.progress('q', again.message.id), undefined, 'the new lease starts without progress');
    assert.equal(await b!.setProgress(ref(first), '"stale"'), false, 'the old token is refused');
    assert.equal(await a!.progress('q', again.message.id), undefined, 'and stored nothing');
    assert.equal(await a!.setProgress(ref(again), '3'), true);
    assert.equal(await b!.progress('q', again.message.id), '3');
  });

  test('progress that is not JSON text within the size bound is refused with a ValidationError', ['progress'], async () => {
    const b = await h.client();
    await b.send('q', [{ message: message('bad') }]);
    const held = await mustClaim(b, 'q', { timeoutMs: timing.patienceMs });
    const loose = b as unknown as { setProgress: (...args: unknown[]) => Promise<unknown>; progress: (...args: unknown[]) => Promise<unknown> };
    for (const call of [
      () => loose.setProgress(ref(held), ''),
      () => loose.setProgress(ref(held), '{not json'),
      () => loose.setProgress(ref(held), JSON.stringify('x'.repeat(5000))),
      () => loose.setProgress(ref(held), 7),
      () => loose.setProgress({ ...ref(held), token: '' }, '1'),
      () => loose.progress('', 'id'),
      () => loose.progress('q', ''),
    ]) {
      await assert.rejects(call, (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    }
    assert.equal(await b.progress('q', held.message.id), undefined, 'nothing was stored');
  });
});
