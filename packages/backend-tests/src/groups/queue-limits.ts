import assert from 'node:assert/strict';
import { isWrkrError, type Backend } from '@wrkr/core/backend';
import { expectNothing, LONG_LEASE_MS, mustClaim, ref } from '../consume';
import { sleep } from '../eventually';
import { messages } from '../fixtures';
import { mostStartsWithin, type Start } from '../starts';
import { defineGroup } from '../suite';

/**
 * 31. Queue limits: a concurrency limit and a sliding-window rate limit, stored once and honoured by the
 * claims of every client together; a held-back claim waits (no failure, no attempt used) and is served
 * when a slot frees, a lease expires or the window moves on; removing the limits lifts them.
 */
export const queueLimitTests = defineGroup('31. queue limits', ({ h, timing, test }) => {
  const wait = { timeoutMs: timing.patienceMs };

  test('three clients claiming together never hold more than the concurrency limit; no attempt is used up', ['queueLimits'], async () => {
    const clients = await h.clients(3);
    const total = 24;
    await clients[0]!.send('q', messages('limited.job', total).map((message) => ({ message })));
    await clients[1]!.setQueueLimits('q', { concurrency: 3 });
    let inFlight = 0;
    let most = 0;
    let done = 0;
    const attempts = new Set<number>();
    // Two loops per client, each asking for two items: without a shared limit up to 12 would be held.
    const loop = async (b: Backend): Promise<void> => {
      while (done < total) {
        const got = await b.claim('q', { max: 2, leaseMs: LONG_LEASE_MS, waitMs: 200 });
        // Counted from the claim's return until the ack is sent: inside the time the backend holds it.
        inFlight += got.length;
        most = Math.max(most, inFlight);
        for (const d of got) attempts.add(d.attempt);
        await sleep(30);
        for (const d of got) {
          inFlight--;
          assert.equal(await b.ack(ref(d)), true);
          done++;
        }
      }
    };
    await Promise.all(clients.flatMap((b) => [loop(b), loop(b)]));
    assert.ok(most <= 3, `at most 3 items in flight across the clients, saw ${most}`);
    assert.deepEqual([...attempts], [1], 'every item was delivered on its first attempt');
  });

  test('a claim waiting on a full queue in another client is served when a slot frees', ['queueLimits'], async () => {
    const [a, b] = await h.clients(2);
    await a!.setQueueLimits('q', { concurrency: 1 });
    await a!.send('q', messages('slot.job', 2).map((message) => ({ message })));
    const held = await mustClaim(a!, 'q', wait);
    const waiting = b!.claim('q', { max: 1, leaseMs: LONG_LEASE_MS, waitMs: 2 * timing.patienceMs });
    const early = await Promise.race([waiting, sleep(timing.settleMs * 3).then(() => 'none' as const)]);
    assert.equal(early, 'none', 'a second item was leased past the concurrency limit');
    assert.equal(await a!.ack(ref(held)), true);
    const got = await waiting;
    assert.equal(got.length, 1, 'the waiting claim is served once the slot frees');
    assert.equal(got[0]!.attempt, 1, 'waiting used no attempt');
  });

  test('an expired lease gives its slot back', ['queueLimits'], async () => {
    const [a, b] = await h.clients(2);
    await a!.setQueueLimits('q', { concurrency: 1 });
    await a!.send('q', messages('expiring.job', 2).map((message) => ({ message })));
    const first = await mustClaim(a!, 'q', { ...wait, leaseMs: timing.leaseMs });
    await expectNothing(b!, 'q', 0, 'the only slot is taken');
    const next = await mustClaim(b!, 'q', wait);
    assert.equal(await a!.ack(ref(first)), false, 'the expired lease is stale');
    assert.equal(await b!.ack(ref(next)), true);
  });

  test('a rate limit is never exceeded in any window by three clients together, and keeps serving', ['queueLimits'], async () => {
    const clients = await h.clients(3);
    const per = 1000;
    await clients[0]!.setQueueLimits('q', { rate: { max: 5, per } });
    await clients[1]!.send('q', messages('rated.job', 40).map((message) => ({ message })));
    const starts: Start[] = [];
    const until = Date.now() + 3 * per;
    const loop = async (b: Backend): Promise<void> => {
      while (Date.now() < until) {
        const before = Date.now();
        const got = await b.claim('q', { max: 3, leaseMs: LONG_LEASE_MS, waitMs: Math.max(0, until - Date.now()) });
        const after = Date.now();
        for (const d of got) {
          starts.push({ before, after });
          assert.equal(await b.ack(ref(d)), true);
        }
      }
    };
    await Promise.all(clients.map(loop));
    const most = mostStartsWithin(starts, per);
    assert.ok(most <= 5, `at most 5 starts in any ${per} ms, saw ${most}`);
    // Three windows' worth at most, and the queue kept moving: at least two windows' worth.
    assert.ok(starts.length >= 10, `the limited queue kept serving: ${starts.length} starts in ${3 * per} ms`);
  });

  test('setting the same rate again keeps its window: a full window stays full', ['queueLimits'], async () => {
    const [a, b] = await h.clients(2);
    const rate = { max: 2, per: 60_000 };
    await a!.setQueueLimits('q', { rate });
    await a!.send('q', messages('window.job', 3).map((message) => ({ message })));
    const taken = [await mustClaim(b!, 'q', wait), await mustClaim(b!, 'q', wait)];
    await a!.setQueueLimits('q', { rate });
    await expectNothing(b!, 'q', timing.settleMs, 'the window already holds two starts');
    for (const d of taken) assert.equal(await b!.ack(ref(d)), true);
    await expectNothing(b!, 'q', timing.settleMs, 'acks do not empty a rate window');
  });

  test('limits are stored for a new client, shown by queueLimits, and removed with {} or null', ['queueLimits'], async () => {
    const a = await h.client();
    assert.deepEqual(await a.queueLimits('q'), {}, 'no limits at first');
    await a.setQueueLimits('q', { concurrency: 1, rate: { max: 100, per: 60_000 } });
    await a.send('q', messages('stored.job', 3).map((message) => ({ message })));
    const c = await h.client();
    assert.deepEqual(await c.queueLimits('q'), { concurrency: 1, rate: { max: 100, per: 60_000 } });
    const held = await mustClaim(c, 'q', wait);
    await expectNothing(c, 'q', timing.settleMs, 'the new client honours the stored concurrency');
    await a.setQueueLimits('q', {});
    assert.deepEqual(await c.queueLimits('q'), {});
    const second = await mustClaim(c, 'q', wait);
    await a.setQueueLimits('q', { concurrency: 1 });
    await expectNothing(c, 'q', timing.settleMs, 'limited again');
    await a.setQueueLimits('q', null);
    const third = await mustClaim(c, 'q', wait);
    for (const d of [held, second, third]) assert.equal(await c.ack(ref(d)), true);
    assert.deepEqual(await a.queueLimits('other'), {}, 'limits belong to their queue');
  });

  test('bad limits are refused with a ValidationError and change nothing', ['queueLimits'], async () => {
    const b = await h.client();
    await b.setQueueLimits('q', { concurrency: 2 });
    const bad: unknown[] = [{ concurrency: 0 }, { concurrency: 1.5 }, { rate: { max: 5 } }, { rate: { max: 0, per: 1000 } }, { rate: { max: 1, per: -1 } }, { burst: 1 }, 'fast', 3];
    for (const limits of bad) {
      await assert.rejects(b.setQueueLimits('q', limits as never), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'), JSON.stringify(limits));
    }
    await assert.rejects(b.queueLimits('bad queue\n'), (err: unknown) => isWrkrError(err, 'ERR_WRKR_VALIDATION'));
    assert.deepEqual(await b.queueLimits('q'), { concurrency: 2 });
  });
});
