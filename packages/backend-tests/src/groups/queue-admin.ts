import assert from 'node:assert/strict';
import { assertStats, plain } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { message, messages } from '../fixtures';
import { defineGroup } from '../suite';

/** 11. Unbind, queue listing, deleteQueue and exact stats. */
export const queueAdminTests = defineGroup('11. unbind, queues, deleteQueue, stats', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('unbind stops routing through that pattern only; items already queued stay; unbind is idempotent', [], async () => {
    const b = await h.client();
    await b.bind('q', 'a.b');
    await b.bind('q', 'a.*');
    const kept = message('a.b');
    await b.publish([{ message: kept }]);
    await b.unbind('q', 'a.b');
    await b.unbind('q', 'a.b');
    await b.unbind('q', 'never.bound');
    assert.deepEqual(plain(await b.bindings('q')), [{ queue: 'q', pattern: 'a.*' }]);
    const viaStar = message('a.b');
    await b.publish([{ message: viaStar }]);
    await b.unbind('q', 'a.*');
    await b.publish([{ message: message('a.b') }]);
    assert.deepEqual(plain(await b.bindings('q')), []);
    const ids = [(await mustClaim(b, 'q', wait)).message.id, (await mustClaim(b, 'q', wait)).message.id];
    assert.deepEqual(ids.sort(), [kept.id, viaStar.id].sort());
    await expectNothing(b, 'q', timing.settleMs, 'no binding left');
  });

  test('queues() lists every bound queue and every queue holding items', [], async () => {
    const b = await h.client();
    assert.deepEqual(plain(await b.queues()), []);
    await b.bind('bound-only', 'x.y');
    await b.send('sent-only', [{ message: message('x.z') }]);
    await b.bind('both', 'x.*');
    await b.publish([{ message: message('x.w') }]);
    assert.deepEqual((await b.queues()).sort(), ['both', 'bound-only', 'sent-only']);
  });

  test('stats are exact for ready, delayed, inFlight and failed, through every transition', ['delayed', 'failedStore'], async () => {
    const b = await h.client();
    assertStats(await b.stats('q'), {}, 'unknown queue');
    const batch = messages('s.t', 5);
    await b.send('q', batch.map((m) => ({ message: m })));
    await b.send('q', [{ message: message('s.later'), dueAt: Date.now() + 60_000 }, { message: message('s.later'), dueAt: Date.now() + 60_000 }]);
    assertStats(await b.stats('q'), { ready: 5, delayed: 2 }, 'q');
    const [d1, d2, d3] = await b.claim('q', { max: 3, leaseMs: 60_000, waitMs: 0 }).then(async (got) => {
      while (got.length < 3) got.push(...(await b.claim('q', { max: 3 - got.length, leaseMs: 60_000, waitMs: 0 })));
      return got;
    });
    assertStats(await b.stats('q'), { ready: 2, delayed: 2, inFlight: 3 }, 'after claiming 3');
    await b.ack(ref(d1!));
    assertStats(await b.stats('q'), { ready: 2, delayed: 2, inFlight: 2 }, 'after an ack');
    await b.nack(ref(d2!), { kind: 'fail', error: { message: 'x' } });
    assertStats(await b.stats('q'), { ready: 2, delayed: 2, inFlight: 1, failed: 1 }, 'after a fail');
    await b.nack(ref(d3!), { kind: 'retry', dueAt: Date.now() + 60_000 });
    assertStats(await b.stats('q'), { ready: 2, delayed: 3, failed: 1 }, 'after a retry');
    await b.replay('q');
    assertStats(await b.stats('q'), { ready: 3, delayed: 3 }, 'after a replay');
    assertStats(await b.stats('other'), {}, 'another queue');
  });

  test('stats stay exact while delayed items come due: each item counted once, in one state', ['delayed'], async () => {
    const b = await h.client();
    const n = 40;
    const first = Date.now() + 200;
    const spacingMs = 25;
    await b.send('q', messages('s.due', n).map((m, i) => ({ message: m, dueAt: first + i * spacingMs })));
    const end = first + n * spacingMs + timing.dueToleranceMs;
    let reads = 0;
    // At least five reads even when the server is slow and one read outlasts the whole window.
    while (Date.now() < end || reads < 5) {
      const s = await b.stats('q');
      assert.deepEqual([s.ready + s.delayed + s.inFlight, s.failed], [n, 0], `read ${reads} at ${Date.now() - first} ms after the first due time: ${JSON.stringify(s)}`);
      reads++;
    }
    const s = await b.stats('q');
    assert.equal(s.ready + s.delayed + s.inFlight, n, 'all due');
  });

  test('deleteQueue removes its bindings, ready, delayed, in-flight and failed items; the name can be reused', ['delayed', 'failedStore'], async () => {
    const b = await h.client();
    await b.bind('doomed', 'd.#');
    await b.bind('survivor', 'd.#');
    await b.publish(messages('d.x', 3).map((m) => ({ message: m })));
    await b.send('doomed', [{ message: message('d.later'), dueAt: Date.now() + 60_000 }]);
    const leased = await mustClaim(b, 'doomed', wait);
    await b.nack(ref(await mustClaim(b, 'doomed', wait)), { kind: 'fail', error: { message: 'x' } });
    await b.deleteQueue('doomed');
    assertStats(await b.stats('doomed'), {}, 'deleted queue');
    assert.deepEqual(plain(await b.bindings('doomed')), []);
    assert.deepEqual(plain(await b.queues()), ['survivor']);
    assert.deepEqual(plain(await b.failed('doomed')), []);
    assert.equal(await b.ack(ref(leased)), false, 'a lease on a deleted queue is gone');
    await b.publish([{ message: message('d.y') }]);
    await expectNothing(b, 'doomed', timing.settleMs, 'deleted queue is unbound');
    assertStats(await b.stats('survivor'), { ready: 4 }, 'survivor');
    const fresh = message('d.z');
    await b.send('doomed', [{ message: fresh }]);
    assert.equal((await mustClaim(b, 'doomed', wait)).message.id, fresh.id);
  });
});
