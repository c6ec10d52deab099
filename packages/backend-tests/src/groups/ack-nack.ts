import assert from 'node:assert/strict';
import type { FailureInfo } from '@wrkr/core/backend';
import { assertBetween, assertSameMessage, assertStats, plain, CLOCK_SLACK_MS } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { message, messages } from '../fixtures';
import { defineGroup } from '../suite';

const ERROR: FailureInfo = { message: 'boom — ✗', name: 'TypeError', stack: 'TypeError: boom\n    at handler (app.js:1:1)', code: 'E_BOOM' };

/** 4. Ack, nack (retry, release, fail) and the failed store (list, replay, purge). */
export const ackNackTests = defineGroup('4. ack, nack, failed store', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };
  const lease = { leaseMs: timing.leaseMs, timeoutMs: timing.patienceMs };

  test('ack removes the item: it never comes back, even after its lease would have expired', [], async () => {
    const b = await h.client();
    await b.send('q', [{ message: message('job.run') }]);
    const d = await mustClaim(b, 'q', lease);
    assert.equal(await b.ack(ref(d)), true);
    assertStats(await b.stats('q'), {}, 'q');
    await expectNothing(b, 'q', timing.leaseMs + timing.dueToleranceMs, 'acked');
  });

  test('a second ack of the same delivery returns false', [], async () => {
    const b = await h.client();
    await b.send('q', [{ message: message('job.run') }]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(await b.ack(ref(d)), true);
    assert.equal(await b.ack(ref(d)), false);
  });

  test('nack retry with a future dueAt: not redelivered before it, then redelivered with attempt 2', [], async () => {
    const b = await h.client();
    const sent = message('job.run');
    await b.send('q', [{ message: sent }]);
    const d = await mustClaim(b, 'q', wait);
    const dueAt = Date.now() + 300;
    assert.equal(await b.nack(ref(d), { kind: 'retry', dueAt, error: ERROR }), true);
    assertStats(await b.stats('q'), { delayed: 1 }, 'q');
    const again = await mustClaim(b, 'q', { timeoutMs: 300 + timing.dueToleranceMs + timing.patienceMs });
    const at = Date.now();
    assert.ok(at >= dueAt - CLOCK_SLACK_MS, `redelivered ${dueAt - at} ms before its retry dueAt`);
    assert.ok(at <= dueAt + timing.dueToleranceMs + 50, `redelivered ${at - dueAt} ms after its retry dueAt (tolerance ${timing.dueToleranceMs} ms)`);
    assert.equal(again.attempt, 2);
    assertSameMessage(again.message, sent);
  });

  test('nack retry with a past dueAt makes the item available at once with the next attempt number', [], async () => {
    const b = await h.client();
    await b.send('q', [{ message: message('job.run') }]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(await b.nack(ref(d), { kind: 'retry', dueAt: Date.now() - 1000 }), true);
    const again = await mustClaim(b, 'q', { timeoutMs: timing.dueToleranceMs + 50 });
    assert.equal(again.attempt, 2);
  });

  test('nack release gives the item back at once and does not count as an attempt', [], async () => {
    const b = await h.client();
    await b.send('q', [{ message: message('job.run') }]);
    const d = await mustClaim(b, 'q', wait);
    assert.equal(await b.nack(ref(d), { kind: 'release' }), true);
    assertStats(await b.stats('q'), { ready: 1 }, 'q');
    const again = await mustClaim(b, 'q', { timeoutMs: timing.dueToleranceMs + 50 });
    assert.equal(again.attempt, 1, 'a released delivery must not count as an attempt');
  });

  test('nack fail moves the item to the failed store with its error, attempt count and time', ['failedStore'], async () => {
    const b = await h.client();
    const sent = message('job.run', { tid: 't1', headers: { h: 'v' }, body: '{"x":1}' });
    await b.send('q', [{ message: sent }]);
    const first = await mustClaim(b, 'q', wait);
    assert.equal(await b.nack(ref(first), { kind: 'retry', dueAt: 0 }), true);
    const second = await mustClaim(b, 'q', wait);
    const before = Date.now();
    assert.equal(await b.nack(ref(second), { kind: 'fail', error: ERROR }), true);
    const after = Date.now();
    assertStats(await b.stats('q'), { failed: 1 }, 'q');
    await expectNothing(b, 'q', timing.settleMs, 'failed items are not delivered');
    const [item, ...rest] = await b.failed('q');
    assert.equal(rest.length, 0);
    assert.ok(item);
    assert.equal(item.queue, 'q');
    assertSameMessage(item.message, sent);
    assert.equal(item.attempt, 2);
    assert.deepEqual({ ...item.error }, ERROR);
    assertBetween(item.failedAt, before - CLOCK_SLACK_MS, after + CLOCK_SLACK_MS, 'failedAt');
  });

  test('failed lists oldest first and pages with limit/offset', ['failedStore'], async () => {
    const b = await h.client();
    const batch = messages('job.run', 5);
    for (const m of batch) {
      await b.send('q', [{ message: m }]);
      const d = await mustClaim(b, 'q', wait);
      assert.equal(d.message.id, m.id);
      assert.equal(await b.nack(ref(d), { kind: 'fail', error: { message: `failed ${m.id}` } }), true);
      await new Promise((r) => setTimeout(r, 2));
    }
    const ids = batch.map((m) => m.id);
    assert.deepEqual((await b.failed('q')).map((f) => f.message.id), ids);
    assert.deepEqual((await b.failed('q', { limit: 2 })).map((f) => f.message.id), ids.slice(0, 2));
    assert.deepEqual((await b.failed('q', { limit: 2, offset: 3 })).map((f) => f.message.id), ids.slice(3, 5));
    assert.deepEqual((await b.failed('q', { offset: 4 })).map((f) => f.message.id), ids.slice(4));
    assert.deepEqual(plain(await b.failed('empty')), []);
  });

  test('replay moves failed items back to ready, and attempt numbering restarts at 1', ['failedStore'], async () => {
    const b = await h.client();
    const sent = message('job.run');
    await b.send('q', [{ message: sent }]);
    let d = await mustClaim(b, 'q', wait);
    await b.nack(ref(d), { kind: 'retry', dueAt: 0 });
    d = await mustClaim(b, 'q', wait);
    assert.equal(d.attempt, 2);
    await b.nack(ref(d), { kind: 'fail', error: ERROR });
    assert.equal(await b.replay('q'), 1);
    assertStats(await b.stats('q'), { ready: 1 }, 'q');
    assert.deepEqual(plain(await b.failed('q')), []);
    const again = await mustClaim(b, 'q', wait);
    assertSameMessage(again.message, sent);
    assert.equal(again.attempt, 1);
    assert.equal(await b.replay('q'), 0, 'nothing left to replay');
  });

  test('replay by ids moves only those (unknown ids are not counted)', ['failedStore'], async () => {
    const b = await h.client();
    const batch = messages('job.run', 3);
    await b.send('q', batch.map((m) => ({ message: m })));
    for (let i = 0; i < 3; i++) {
      const d = await mustClaim(b, 'q', wait);
      await b.nack(ref(d), { kind: 'fail', error: ERROR });
    }
    assert.equal(await b.replay('q', [batch[1]!.id, 'no-such-id']), 1);
    assertStats(await b.stats('q'), { ready: 1, failed: 2 }, 'q');
    assert.equal((await mustClaim(b, 'q', wait)).message.id, batch[1]!.id);
    assert.deepEqual((await b.failed('q')).map((f) => f.message.id).sort(), [batch[0]!.id, batch[2]!.id].sort());
  });

  test('purgeFailed deletes failed items (by ids, then all) and returns how many', ['failedStore'], async () => {
    const b = await h.client();
    const batch = messages('job.run', 3);
    await b.send('q', batch.map((m) => ({ message: m })));
    for (let i = 0; i < 3; i++) await b.nack(ref(await mustClaim(b, 'q', wait)), { kind: 'fail', error: ERROR });
    assert.equal(await b.purgeFailed('q', [batch[0]!.id, 'no-such-id']), 1);
    assertStats(await b.stats('q'), { failed: 2 }, 'q');
    assert.equal(await b.purgeFailed('q'), 2);
    assertStats(await b.stats('q'), {}, 'q');
    assert.deepEqual(plain(await b.failed('q')), []);
    assert.equal(await b.replay('q'), 0);
    await expectNothing(b, 'q', timing.settleMs, 'purged items are gone');
  });
});
