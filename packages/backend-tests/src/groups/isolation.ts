import assert from 'node:assert/strict';
import { assertStats, plain } from '../assertions';
import { expectNothing, mustClaim, ref } from '../consume';
import { message, scheduleRecord } from '../fixtures';
import { defineGroup } from '../suite';

/** 13. Two namespaces on one server never see each other's data. */
export const isolationTests = defineGroup('13. namespace isolation', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('bindings, routing and items of one namespace are invisible to another', [], async () => {
    const a = await h.client();
    const b = await h.client(h.newNamespace());
    await a.bind('q', 'iso.#');
    await b.publish([{ message: message('iso.event') }]);
    await b.send('q', [{ message: message('iso.sent') }]);
    assert.deepEqual(plain(await b.bindings()), []);
    assertStats(await a.stats('q'), {}, 'namespace a');
    await expectNothing(a, 'q', timing.settleMs, 'published and sent in namespace b');
    assertStats(await b.stats('q'), { ready: 1 }, 'namespace b');
    assert.deepEqual(plain(await a.queues()), ['q']);
    const own = message('iso.mine');
    await a.publish([{ message: own }]);
    const d = await mustClaim(a, 'q', wait);
    assert.equal(d.message.id, own.id);
    assert.equal(await b.ack(ref(d)), false, 'a lease of namespace a cannot be acked in b');
    await b.deleteQueue('q');
    assert.deepEqual(plain(await a.bindings()), [{ queue: 'q', pattern: 'iso.#' }]);
    assert.equal(await a.ack(ref(d)), true);
  });

  test('delayed items and cancel are per namespace', ['delayed', 'cancel'], async () => {
    const a = await h.client();
    const b = await h.client(h.newNamespace());
    const sent = message('iso.later');
    await a.send('q', [{ message: sent, dueAt: Date.now() + 200 }]);
    assert.equal(await b.cancel(sent.id), false, 'cancel from another namespace');
    assert.equal((await mustClaim(a, 'q', { timeoutMs: 200 + timing.dueToleranceMs + timing.patienceMs })).message.id, sent.id);
    await expectNothing(b, 'q', 0);
  });

  test('the same message id may be pending in two namespaces', [], async () => {
    const a = await h.client();
    const b = await h.client(h.newNamespace());
    const sent = message('iso.same');
    await a.send('q', [{ message: sent }]);
    await b.send('q', [{ message: sent }]);
    assert.equal((await mustClaim(a, 'q', wait)).message.id, sent.id);
    assert.equal((await mustClaim(b, 'q', wait)).message.id, sent.id);
  });

  test('failed items are per namespace', ['failedStore'], async () => {
    const a = await h.client();
    const b = await h.client(h.newNamespace());
    await a.send('q', [{ message: message('iso.fail') }]);
    await a.nack(ref(await mustClaim(a, 'q', wait)), { kind: 'fail', error: { message: 'x' } });
    assert.deepEqual(plain(await b.failed('q')), []);
    assert.equal(await b.replay('q'), 0);
    assert.equal(await b.purgeFailed('q'), 0);
    assert.equal((await a.failed('q')).length, 1);
  });

  test('schedules are per namespace', ['schedules'], async () => {
    const a = await h.client();
    const b = await h.client(h.newNamespace());
    await a.bind('q', 'iso.tick');
    const t0 = Date.now();
    await a.upsertSchedule(scheduleRecord('shared-name', 'iso.tick', t0, { updatedAt: t0 }));
    assert.deepEqual(plain(await b.listSchedules()), []);
    assert.equal(await b.getSchedule('shared-name'), undefined);
    assert.equal(await b.fireSchedule('shared-name', { runAt: t0, updatedAt: t0 }, t0 + 1000, message('iso.tick')), false);
    assert.equal(await b.removeSchedule('shared-name'), false);
    assert.equal(await a.fireSchedule('shared-name', { runAt: t0, updatedAt: t0 }, t0 + 1000, message('iso.tick')), true);
  });

  test('workers are per namespace', ['workers'], async () => {
    const a = await h.client();
    const b = await h.client(h.newNamespace());
    assert.equal(await a.registerWorker('w1', 'inst-a', {}, 60_000), true);
    assert.deepEqual(plain(await b.workers()), []);
    assert.equal(await b.registerWorker('w1', 'inst-b', {}, 60_000), true, 'the same id is free in another namespace');
    assert.deepEqual((await a.workers()).map((w) => w.id), ['w1']);
  });
});
