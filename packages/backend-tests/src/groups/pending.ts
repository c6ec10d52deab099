import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { isWrkrError } from '@wrkr/core/backend';
import { assertStats } from '../assertions';
import { mustClaim } from '../consume';
import { eventually } from '../eventually';
import { message } from '../fixtures';
import { defineGroup } from '../suite';

/** 23. Pending delayed publishes: `pending()` lists what is stored and not yet routed; cancel removes it. */
export const pendingTests = defineGroup('23. pending delayed publishes', ({ h, timing, test }) => {
  test('delayed publishes are listed soonest due first, with id, name, tid and due time, from another client', ['pendingList', 'delayed'], async () => {
    const [a, b] = await h.clients(2);
    const now = Date.now();
    const late = message('remind.late', { tid: 'u-2' });
    const soon = message('remind.soon', { tid: 'u-1' });
    const mid = message('remind.mid');
    await a!.publish([
      { message: late, dueAt: now + 30_000 },
      { message: soon, dueAt: now + 10_000 },
      { message: mid, dueAt: now + 20_000 },
    ]);
    assert.deepEqual(await b!.pending(), [
      { id: soon.id, name: 'remind.soon', tid: 'u-1', dueAt: now + 10_000 },
      { id: mid.id, name: 'remind.mid', dueAt: now + 20_000 },
      { id: late.id, name: 'remind.late', tid: 'u-2', dueAt: now + 30_000 },
    ]);
    assert.deepEqual((await b!.pending({ offset: 1, limit: 1 })).map((p) => p.id), [mid.id], 'offset 1, limit 1');
  });

  test('a cancelled publish leaves the list; delayed sends and undelayed publishes are never in it', ['pendingList', 'delayed', 'cancel'], async () => {
    const [a, b] = await h.clients(2);
    await a!.bind('q', 'remind.#');
    const keep = message('remind.keep');
    const drop = message('remind.drop');
    await a!.publish([{ message: keep, dueAt: Date.now() + 60_000 }, { message: drop, dueAt: Date.now() + 60_000 }, { message: message('remind.now') }]);
    await a!.send('q', [{ message: message('remind.sent'), dueAt: Date.now() + 60_000 }]);
    assert.deepEqual((await b!.pending()).map((p) => p.id).sort(), [keep.id, drop.id].sort());
    assert.equal(await b!.cancel(drop.id), true);
    assert.deepEqual((await a!.pending()).map((p) => p.id), [keep.id]);
    // A delayed publish belongs to no queue until it is routed.
    assertStats(await b!.stats('q'), { ready: 1, delayed: 1 }, 'q');
  });

  test('once due, a publish is routed and no longer pending', ['pendingList', 'delayed'], async () => {
    const [a, b] = await h.clients(2);
    await a!.bind('q', 'remind.#');
    const sent = message('remind.due');
    const dueAt = Date.now() + 300;
    await a!.publish([{ message: sent, dueAt }]);
    assert.deepEqual((await b!.pending()).map((p) => p.id), [sent.id]);
    const d = await mustClaim(b!, 'q', { timeoutMs: 300 + timing.dueToleranceMs + timing.patienceMs });
    assert.equal(d.message.id, sent.id);
    await eventually(async () => assert.deepEqual(await b!.pending(), []), timing.patienceMs);
  });

  test('bad page options are refused with a ValidationError', ['pendingList'], async () => {
    const b = await h.client();
    for (const options of ['all', { limit: -1 }, { limit: 1.5 }, { offset: -1 }, { lmit: 1 }]) {
      await assert.rejects(
        () => (b.pending as (o: unknown) => Promise<unknown>).call(b, options),
        (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'),
        `pending(${inspect(options)}) was accepted`,
      );
    }
  });
});
