import assert from 'node:assert/strict';
import { assertSameMessage, assertStats, CLOCK_SLACK_MS } from '../assertions';
import { assertExactlyOnce, collect, expectNothing, LONG_LEASE_MS, mustClaim } from '../consume';
import { chunks, message, messages } from '../fixtures';
import { defineGroup } from '../suite';

const BULK = 10_000;

/** 6. Delayed items: never before due, promptly after, at scale, waking blocked claims. */
export const delayedTests = defineGroup('6. delayed delivery', ({ h, timing, test }) => {
  const { dueToleranceMs, patienceMs } = timing;
  const delay = Math.max(300, dueToleranceMs * 2);

  /** Claim (blocking) until the item arrives, and check it came after dueAt and within the tolerance. */
  async function assertDeliveredOnTime(b: Awaited<ReturnType<typeof h.client>>, queue: string, dueAt: number) {
    const d = await mustClaim(b, queue, { timeoutMs: dueAt - Date.now() + dueToleranceMs + patienceMs });
    const at = Date.now();
    assert.ok(at >= dueAt - CLOCK_SLACK_MS, `delivered ${dueAt - at} ms before it was due`);
    assert.ok(at <= dueAt + dueToleranceMs, `delivered ${at - dueAt} ms after it was due (tolerance ${dueToleranceMs} ms)`);
    return d;
  }

  test('a delayed send is not claimable before its due time (polling), and is counted as delayed', ['delayed'], async () => {
    const b = await h.client();
    const dueAt = Date.now() + delay;
    await b.send('q', [{ message: message('later.job'), dueAt }]);
    assertStats(await b.stats('q'), { delayed: 1 }, 'q');
    while (Date.now() < dueAt - 30) {
      const got = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 0 });
      assert.equal(got.length, 0, `claimed ${dueAt - Date.now()} ms before due`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await assertDeliveredOnTime(b, 'q', dueAt);
  });

  test('a blocked claim wakes for a delayed send when it becomes due, within dueToleranceMs', ['delayed'], async () => {
    const b = await h.client();
    const sent = message('later.job', { body: '{"a":1}' });
    const dueAt = Date.now() + delay;
    await b.send('q', [{ message: sent, dueAt }]);
    const d = await assertDeliveredOnTime(b, 'q', dueAt);
    assertSameMessage(d.message, sent);
    assert.equal(d.attempt, 1);
  });

  test('a claim already waiting on an empty queue wakes for a delayed item sent by another client', ['delayed'], async () => {
    const [consumer, producer] = await h.clients(2);
    const dueAt = Date.now() + delay;
    const claiming = consumer!.claim('q', { max: 1, leaseMs: 60_000, waitMs: delay + dueToleranceMs + patienceMs });
    await producer!.send('q', [{ message: message('later.job'), dueAt }]);
    const [d] = await claiming;
    const at = Date.now();
    assert.ok(d, 'the waiting claim returned nothing');
    assert.ok(at >= dueAt - CLOCK_SLACK_MS, `delivered ${dueAt - at} ms before it was due`);
    assert.ok(at <= dueAt + dueToleranceMs, `delivered ${at - dueAt} ms after it was due (tolerance ${dueToleranceMs} ms)`);
  });

  test('a delayed publish is routed at its due time: to queues bound then, not to a queue unbound before', ['delayed'], async () => {
    const b = await h.client();
    await b.bind('early', 'later.event');
    const sent = message('later.event');
    const dueAt = Date.now() + delay;
    await b.publish([{ message: sent, dueAt }]);
    await b.bind('late', 'later.event');
    await b.unbind('early', 'later.event');
    // Nothing before the due time. Under load a claim can return after its wait, when the item may
    // legitimately be there: only a delivery before dueAt is a failure.
    const early = await b.claim('late', { max: 10, leaseMs: LONG_LEASE_MS, waitMs: Math.max(0, dueAt - Date.now() - 30) });
    const checkedAt = Date.now();
    assert.ok(early.length <= 1, `got ${early.length} copies of one publish`);
    assert.ok(early.length === 0 || checkedAt >= dueAt - CLOCK_SLACK_MS, `delivered ${dueAt - checkedAt} ms before it was due`);
    const d = early[0] ?? (await assertDeliveredOnTime(b, 'late', dueAt));
    assertSameMessage(d.message, sent);
    await expectNothing(b, 'early', timing.settleMs, 'unbound before the due time');
  });

  test('an item with a past dueAt is delivered at once', ['delayed'], async () => {
    const b = await h.client();
    await b.bind('q', 'past.event');
    await b.publish([{ message: message('past.event'), dueAt: Date.now() - 60_000 }]);
    await b.send('q', [{ message: message('past.job'), dueAt: Date.now() - 1 }]);
    const got = await collect([b], 'q', { count: 2, patienceMs: dueToleranceMs + 50 });
    assert.equal(got.length, 2, 'past-due items should be ready at once');
  });

  test(`${BULK.toLocaleString('en')} delayed publishes due at the same instant: none early, all delivered exactly once`, ['delayed'], async () => {
    const [producer, ...consumers] = await h.clients(4);
    await producer!.bind('bulk', 'bulk.event');
    const batch = messages('bulk.event', BULK);
    const dueAt = Date.now() + Math.max(1000, delay);
    await Promise.all(chunks(batch, 1000).map((part) => producer!.publish(part.map((m) => ({ message: m, dueAt })))));
    if (Date.now() < dueAt - 20) {
      const early = await producer!.claim('bulk', { max: 10, leaseMs: 60_000, waitMs: 0 });
      assert.equal(early.length, 0, 'claimed before due');
    }
    const got = await collect(consumers, 'bulk', { count: BULK, patienceMs: dueAt - Date.now() + patienceMs, max: 100 });
    const early = got.filter((d) => d.receivedAt < dueAt - CLOCK_SLACK_MS);
    assert.equal(early.length, 0, `${early.length} delivered before due`);
    assertExactlyOnce(got, batch.map((m) => m.id));
    await expectNothing(producer!, 'bulk', timing.settleMs);
  });

  test('a delayed publish whose id is already stored is ignored', ['delayed'], async () => {
    const b = await h.client();
    await b.bind('q', 'dup.event');
    const sent = message('dup.event');
    const dueAt = Date.now() + delay;
    await b.publish([{ message: sent, dueAt }]);
    await b.publish([{ message: { ...sent, body: '"second"' }, dueAt: dueAt + 50 }]);
    const d = await mustClaim(b, 'q', { timeoutMs: delay + 50 + dueToleranceMs + patienceMs });
    assertSameMessage(d.message, sent);
    await expectNothing(b, 'q', 50 + dueToleranceMs + timing.settleMs, 'the duplicate was ignored');
  });
});
