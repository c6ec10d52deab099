import assert from 'node:assert/strict';
import { assertExactlyOnce, collect, expectNothing, mustClaim, ref } from '../consume';
import { message, messages } from '../fixtures';
import { defineGroup } from '../suite';

/** 16. Connection loss: after the server kills the client's connections, the backend recovers by itself. */
export const connectionLossTests = defineGroup('16. connection loss', ({ h, timing, test, options }) => {
  const wait = { timeoutMs: timing.patienceMs };
  const interrupt = (b: Parameters<NonNullable<typeof options.interruptConnections>>[0]) => options.interruptConnections!(b);

  test('publish, send, claim and ack keep working after the connections are killed; nothing published before is lost', ['interruptConnections'], async () => {
    const b = await h.client();
    await b.bind('q', 'conn.#');
    const before = messages('conn.before', 5);
    await b.publish(before.map((m) => ({ message: m })));
    await interrupt(b);
    const after = messages('conn.after', 5);
    await b.publish(after.map((m) => ({ message: m })));
    const direct = message('conn.direct');
    await b.send('q', [{ message: direct }]);
    const got = await collect([b], 'q', { count: 11, patienceMs: timing.patienceMs });
    assertExactlyOnce(got, [...before, ...after, direct].map((m) => m.id));
    await expectNothing(b, 'q', timing.settleMs);
  });

  test('a claim waiting when the connections are killed resumes or returns, and no item is lost', ['interruptConnections'], async () => {
    const [consumer, producer] = await h.clients(2);
    const claiming = consumer!.claim('q', { max: 1, leaseMs: 60_000, waitMs: timing.patienceMs });
    await new Promise((r) => setTimeout(r, 50));
    await interrupt(consumer!);
    const sent = message('conn.job');
    await producer!.send('q', [{ message: sent }]);
    const got = await claiming;
    const d = got[0] ?? (await mustClaim(consumer!, 'q', wait));
    assert.equal(d.message.id, sent.id);
    assert.equal(await consumer!.ack(ref(d)), true);
    await expectNothing(producer!, 'q', timing.settleMs, 'acked once, gone');
  });

  test('an item leased before the connections are killed is either still acked, or comes back: never lost', ['interruptConnections'], async () => {
    const b = await h.client();
    const sent = message('conn.leased');
    await b.send('q', [{ message: sent }]);
    const d = await mustClaim(b, 'q', { leaseMs: timing.leaseMs, timeoutMs: timing.patienceMs });
    await interrupt(b);
    if (!(await b.ack(ref(d)))) {
      const again = await mustClaim(b, 'q', { timeoutMs: timing.leaseMs + timing.dueToleranceMs + timing.patienceMs });
      assert.equal(again.message.id, sent.id);
      assert.equal(await b.ack(ref(again)), true);
    }
    await expectNothing(b, 'q', timing.leaseMs + timing.dueToleranceMs, 'acked');
  });
});
