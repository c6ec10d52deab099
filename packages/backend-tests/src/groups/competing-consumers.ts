import assert from 'node:assert/strict';
import { assertExactlyOnce, collect, expectNothing, LONG_LEASE_MS } from '../consume';
import { sleep } from '../eventually';
import { messages } from '../fixtures';
import { defineGroup } from '../suite';

const CONSUMERS = 4;
const MESSAGES = 200;

/** 3. Competing consumers: each item goes to exactly one of N clients, and work is spread over them. */
export const competingConsumersTests = defineGroup('3. competing consumers', ({ h, timing, test }) => {
  test(`${CONSUMERS} clients, ${MESSAGES} messages sent while they wait: each delivered exactly once, spread over the consumers`, [], async () => {
    const consumers = await h.clients(CONSUMERS);
    const producer = await h.client();
    const batch = messages('work.item', MESSAGES);
    const collecting = collect(consumers, 'work', {
      count: MESSAGES,
      patienceMs: timing.patienceMs,
      max: 1,
      // A little work per item lets every consumer get a turn, as real handlers do.
      onDelivery: () => sleep(1),
    });
    await sleep(20);
    for (let i = 0; i < MESSAGES; i += 20) await producer.send('work', batch.slice(i, i + 20).map((message) => ({ message })));
    const got = await collecting;
    assertExactlyOnce(got, batch.map((m) => m.id));
    const perConsumer = consumers.map((_, i) => got.filter((d) => d.consumer === i).length);
    assert.ok(perConsumer.every((n) => n > 0), `every consumer should get work, got ${perConsumer.join('/')}`);
    assert.ok(got.every((d) => d.attempt === 1), 'no item should be delivered twice');
    await expectNothing(producer, 'work', timing.settleMs);
  });

  test(`${CONSUMERS} clients racing on ${MESSAGES} messages already queued, claiming in batches: each delivered exactly once`, [], async () => {
    const consumers = await h.clients(CONSUMERS);
    const batch = messages('work.item', MESSAGES);
    await consumers[0]!.send('work', batch.map((message) => ({ message })));
    const got = await collect(consumers, 'work', { count: MESSAGES, patienceMs: timing.patienceMs, max: 7 });
    assertExactlyOnce(got, batch.map((m) => m.id));
  });

  test('concurrent claims of one client never share an item', [], async () => {
    const b = await h.client();
    const batch = messages('work.item', 50);
    await b.send('work', batch.map((message) => ({ message })));
    const claims = await Promise.all(Array.from({ length: 10 }, () => b.claim('work', { max: 10, leaseMs: LONG_LEASE_MS, waitMs: 0 })));
    const first = claims.flat();
    assert.ok(first.length > 0, 'ten concurrent claims on 50 ready items leased nothing');
    const rest = await collect([b], 'work', { count: 50 - first.length, patienceMs: timing.patienceMs });
    assertExactlyOnce([...first, ...rest], batch.map((m) => m.id));
  });
});
