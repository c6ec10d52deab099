import assert from 'node:assert/strict';
import type { Backend, Delivery } from '@wrkr/core/backend';
import { assertSameMessage, assertStats, plain, CLOCK_SLACK_MS } from '../assertions';
import { sleep } from '../eventually';
import { LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { message, scheduleRecord } from '../fixtures';
import { defineGroup, type GroupKit } from '../suite';

/** What the first client wrote, to check through a later one. */
interface Written {
  readonly readyId: string;
  readonly delayedId: string;
  readonly delayedPublishId: string;
  readonly delayedAt: number;
  readonly inFlightId: string;
  readonly leaseUntil: number;
  readonly failedId: string;
  readonly schedule: ReturnType<typeof scheduleRecord>;
}

/** Leave one of everything in the namespace: bindings, ready, delayed, in-flight and failed items, a schedule. */
async function writeEverything(b: Backend, kit: GroupKit, leaseMs: number, delayMs: number): Promise<Written> {
  await b.bind('q', 'persist.#');
  await b.bind('q', 'other.event');
  const failedMsg = message('persist.failed');
  await b.send('q', [{ message: failedMsg }]);
  const toFail = await mustClaim(b, 'q', { timeoutMs: kit.timing.patienceMs });
  assert.equal(await b.nack(ref(toFail), { kind: 'fail', error: { message: 'kept', name: 'Error' } }), true);
  const inFlightMsg = message('persist.inflight', { body: '{"lease":true}' });
  await b.publish([{ message: inFlightMsg }]);
  const leased = await mustClaim(b, 'q', { leaseMs, timeoutMs: kit.timing.patienceMs });
  assert.equal(leased.message.id, inFlightMsg.id);
  const ready = message('persist.ready', { tid: 'r', headers: { k: 'v' }, body: '{"ready":1}' });
  await b.publish([{ message: ready }]);
  const delayed = message('persist.delayed');
  const delayedPublish = message('persist.delayed-publish');
  const delayedAt = Date.now() + delayMs;
  await b.send('q', [{ message: delayed, dueAt: delayedAt }]);
  await b.publish([{ message: delayedPublish, dueAt: delayedAt }]);
  const schedule = scheduleRecord('persisted', 'persist.scheduled', Date.now() + 60_000, { updatedAt: Date.now() });
  await b.upsertSchedule(schedule);
  return { readyId: ready.id, delayedId: delayed.id, delayedPublishId: delayedPublish.id, delayedAt, inFlightId: inFlightMsg.id, leaseUntil: leased.leaseUntil, failedId: failedMsg.id, schedule };
}

/** Check everything written is still there, the lease still honoured, and the delayed item still due on time. */
async function checkEverything(b: Backend, w: Written, kit: GroupKit, leaseHonoured: boolean): Promise<void> {
  const { timing } = kit;
  const sort = (xs: Array<{ queue: string; pattern: string }>) => xs.map((x) => `${x.queue} ${x.pattern}`).sort();
  assert.deepEqual(plain(sort(await b.bindings())), ['q other.event', 'q persist.#']);
  assert.deepEqual(plain(await b.queues()), ['q']);
  if (leaseHonoured) {
    assertStats(await b.stats('q'), { ready: 1, delayed: 1, inFlight: 1, failed: 1 }, 'q');
  } else {
    // A restart may outlast the lease and the due time, and the delayed publish belongs to no queue until
    // it is routed at its due time, so the queue holds three items or four depending on how long the
    // restart took. Once everything is due it is four, each counted once in some state.
    await sleep(w.delayedAt + timing.dueToleranceMs - Date.now());
    const stats = await b.stats('q');
    assert.deepEqual([stats.ready + stats.delayed + stats.inFlight, stats.failed], [4, 1], 'four items in the queue (the delayed publish routed) and one failed');
  }
  assert.deepEqual(plain(await b.getSchedule('persisted')), plain(w.schedule));
  assert.deepEqual((await b.failed('q')).map((f) => [f.message.id, f.error.message]), [[w.failedId, 'kept']]);
  const byId = new Map<string, Delivery>();
  const take = (d: Delivery): void => {
    assert.ok(!byId.has(d.message.id), `${d.message.id} delivered twice`);
    if (leaseHonoured && d.message.id === w.inFlightId) assert.ok(Date.now() >= w.leaseUntil - CLOCK_SLACK_MS, 'the in-flight item came back before its lease ended');
    if (leaseHonoured && (d.message.id === w.delayedId || d.message.id === w.delayedPublishId)) assert.ok(Date.now() >= w.delayedAt - CLOCK_SLACK_MS, 'a delayed item came before it was due');
    byId.set(d.message.id, d);
  };
  if (leaseHonoured) {
    const ready = await mustClaim(b, 'q', { timeoutMs: timing.patienceMs });
    assert.equal(ready.message.id, w.readyId, 'the ready item first: the in-flight one is still leased');
    take(ready);
    // Wait until just before the lease ends. On a loaded machine the claim's last poll can land after the
    // lease ended and rightly return the item: judge what it returns by when it came, as below.
    const waitMs = Math.max(0, Math.min(w.leaseUntil, w.delayedAt) - Date.now() - 50);
    for (const d of await b.claim('q', { max: 10, leaseMs: LONG_LEASE_MS, waitMs })) take(d);
  }
  const timeoutMs = Math.max(w.leaseUntil, w.delayedAt) - Date.now() + timing.dueToleranceMs + timing.patienceMs;
  while (byId.size < 4) take(await mustClaim(b, 'q', { timeoutMs }));
  assert.equal(byId.get(w.readyId)?.attempt, 1, 'the ready item, attempt 1');
  assert.equal(byId.get(w.inFlightId)?.attempt, 2, 'the in-flight item comes back after its lease, attempt 2');
  assert.equal(byId.get(w.delayedId)?.attempt, 1, 'the delayed send is delivered when due');
  assert.equal(byId.get(w.delayedPublishId)?.attempt, 1, 'the delayed publish is routed when due');
  const routed = message('other.event');
  await b.publish([{ message: routed }]);
  assertSameMessage((await mustClaim(b, 'q', { timeoutMs: timing.patienceMs })).message, routed);
}

/** 9. Persistence: a new client (and, with a restart hook, a restarted server) sees everything as it was. */
export const persistenceTests = defineGroup('9. persistence', (kit) => {
  const { h, timing, test, options } = kit;
  const needs = ['persistent', 'delayed', 'schedules', 'failedStore'] as const;

  test('a new client on the same namespace sees bindings, ready, delayed, in-flight (lease honoured) and failed items, and schedules', needs, async () => {
    const first = await h.client();
    const written = await writeEverything(first, kit, timing.leaseMs * 2, timing.leaseMs * 3);
    await first.close();
    const second = await h.client();
    await checkEverything(second, written, kit, true);
  });

  test('everything survives a restart of the server', [...needs, 'restartService'], async () => {
    const first = await h.client();
    const written = await writeEverything(first, kit, timing.leaseMs * 2, timing.leaseMs * 3);
    await first.close();
    await options.restartService!();
    const second = await h.client();
    // A restart may outlast the short lease and due time: check contents, not timing.
    await checkEverything(second, written, kit, false);
  }, Math.max(timing.testTimeoutMs, 120_000));
});
