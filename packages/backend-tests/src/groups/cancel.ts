import assert from 'node:assert/strict';
import { assertStats } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

/** 7. Cancel: a cancelled delayed item is never delivered; cancel refuses what is not pending-delayed. */
export const cancelTests = defineGroup('7. cancel', ({ h, timing, test }) => {
  const delay = Math.max(300, timing.dueToleranceMs * 2);
  const pastDue = (dueAt: number) => Math.max(0, dueAt - Date.now()) + timing.dueToleranceMs + timing.settleMs;

  test('cancel of a delayed publish: returns true, and no bound queue ever receives it', ['delayed', 'cancel'], async () => {
    const [a, b] = await h.clients(2);
    await a!.bind('q1', 'cancel.me');
    await a!.bind('q2', 'cancel.#');
    const sent = message('cancel.me');
    const dueAt = Date.now() + delay;
    await a!.publish([{ message: sent, dueAt }]);
    assert.equal(await b!.cancel(sent.id), true, 'cancel from another client');
    await expectNothing(a!, 'q1', pastDue(dueAt), 'cancelled');
    await expectNothing(a!, 'q2', 0, 'cancelled');
    assertStats(await a!.stats('q1'), {}, 'q1');
  });

  test('cancel of a delayed send: returns true, never delivered, no longer counted', ['delayed', 'cancel'], async () => {
    const b = await h.client();
    const keep = message('keep.me');
    const sent = message('cancel.me');
    const dueAt = Date.now() + delay;
    await b.send('q', [
      { message: sent, dueAt },
      { message: keep, dueAt },
    ]);
    assertStats(await b.stats('q'), { delayed: 2 }, 'q');
    assert.equal(await b.cancel(sent.id), true);
    assertStats(await b.stats('q'), { delayed: 1 }, 'q');
    const d = await mustClaim(b, 'q', { timeoutMs: pastDue(dueAt) + timing.patienceMs });
    assert.equal(d.message.id, keep.id, 'only the other item is delivered');
    await expectNothing(b, 'q', timing.settleMs, 'cancelled');
  });

  test('cancel returns false for an unknown id, and a second cancel returns false', ['delayed', 'cancel'], async () => {
    const b = await h.client();
    assert.equal(await b.cancel('no-such-id'), false);
    const sent = message('cancel.me');
    await b.send('q', [{ message: sent, dueAt: Date.now() + 60_000 }]);
    assert.equal(await b.cancel(sent.id), true);
    assert.equal(await b.cancel(sent.id), false);
  });

  test('cancel returns false for an item that is already ready or in flight, and leaves it alone', ['delayed', 'cancel'], async () => {
    const b = await h.client();
    await b.bind('q', 'routed.now');
    const ready = message('routed.now');
    await b.publish([{ message: ready }]);
    assert.equal(await b.cancel(ready.id), false, 'an undelayed publish was routed at once');
    const due = message('due.soon');
    const dueAt = Date.now() + 100;
    await b.send('q', [{ message: due, dueAt }]);
    const first = await mustClaim(b, 'q', { timeoutMs: timing.patienceMs });
    const second = await mustClaim(b, 'q', { timeoutMs: pastDue(dueAt) + timing.patienceMs });
    assert.deepEqual([first.message.id, second.message.id].sort(), [ready.id, due.id].sort());
    assert.equal(await b.cancel(due.id), false, 'the delayed send was already due and leased');
    assert.equal(await b.ack(ref(first)), true);
    assert.equal(await b.ack(ref(second)), true);
  });
});
