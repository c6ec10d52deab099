import { assertStats } from '../assertions';
import { assertExactlyOnce, collect, expectNothing } from '../consume';
import { chunks, messages } from '../fixtures';
import { defineGroup } from '../suite';

const PUBLISHERS = 10;
const PER_PUBLISHER = 1_000;
const BATCH = 100;

/** 10. Concurrent publishers: many clients publishing batches at once lose and duplicate nothing. */
export const concurrentPublisherTests = defineGroup('10. concurrent publishers', ({ h, timing, test }) => {
  test(`${PUBLISHERS} clients × ${PER_PUBLISHER.toLocaleString('en')} messages in batches of ${BATCH}: all delivered exactly once`, [], async () => {
    const publishers = await h.clients(PUBLISHERS);
    await publishers[0]!.bind('sink', 'load.#');
    const sent = publishers.map((_, p) => messages(`load.p${p}`, PER_PUBLISHER));
    await Promise.all(
      publishers.map(async (b, p) => {
        for (const batch of chunks(sent[p]!, BATCH)) await b.publish(batch.map((message) => ({ message })));
      }),
    );
    const consumers = await h.clients(3);
    assertStats(await consumers[0]!.stats('sink'), { ready: PUBLISHERS * PER_PUBLISHER }, 'sink');
    const got = await collect(consumers, 'sink', { count: PUBLISHERS * PER_PUBLISHER, patienceMs: timing.patienceMs, max: 100 });
    assertExactlyOnce(got, sent.flat().map((m) => m.id));
    await expectNothing(consumers[0]!, 'sink', timing.settleMs);
  });
});
