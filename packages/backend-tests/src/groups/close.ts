import assert from 'node:assert/strict';
import { assertExactlyOnce, collect, mustClaim, ref } from '../consume';
import { messages, message } from '../fixtures';
import { defineGroup } from '../suite';

/** 12. Close: in-flight items are not lost, pending claims resolve, close is idempotent. */
export const closeTests = defineGroup('12. close with in-flight deliveries', ({ h, timing, test }) => {
  const { leaseMs, dueToleranceMs, patienceMs } = timing;

  test('items leased by a client that closes come back to a new client by their lease expiry, none lost', [], async () => {
    const a = await h.client();
    const batch = messages('close.job', 3);
    await a.send('q', batch.map((m) => ({ message: m })));
    const leased = await collect([a], 'q', { count: 3, patienceMs, leaseMs, ack: false });
    assert.equal(leased.length, 3);
    await a.close();
    const b = await h.client();
    const leaseUntil = Math.max(...leased.map((d) => d.leaseUntil));
    const back = await collect([b], 'q', { count: 3, patienceMs: leaseUntil - Date.now() + dueToleranceMs + patienceMs });
    assertExactlyOnce(back, batch.map((m) => m.id));
    assert.ok(back.every((d) => d.attempt >= 2), 'each comes back as a later attempt');
  });

  test('items released before close are available to a new client at once, attempt not counted', [], async () => {
    const a = await h.client();
    await a.send('q', [{ message: message('close.job') }]);
    const d = await mustClaim(a, 'q', { leaseMs: 60_000, timeoutMs: patienceMs });
    assert.equal(await a.nack(ref(d), { kind: 'release' }), true);
    await a.close();
    const b = await h.client();
    const again = await mustClaim(b, 'q', { timeoutMs: dueToleranceMs + 50 });
    assert.equal(again.attempt, 1);
  });

  test('a pending claim resolves (empty) when its backend closes, and does not swallow later items', [], async () => {
    const a = await h.client();
    const started = Date.now();
    const pending = a.claim('q', { max: 1, leaseMs: 60_000, waitMs: 30_000 });
    await new Promise((r) => setTimeout(r, 50));
    await a.close();
    const got = await pending;
    assert.deepEqual(got, [], 'a claim pending at close resolves empty');
    assert.ok(Date.now() - started < 30_000 / 2, 'the claim resolved because of close, not its wait');
    const b = await h.client();
    const sent = message('after.close');
    await b.send('q', [{ message: sent }]);
    assert.equal((await mustClaim(b, 'q', { timeoutMs: patienceMs })).message.id, sent.id);
  });

  test('close is idempotent', [], async () => {
    const a = await h.client();
    await a.close();
    await a.close();
  });
});
