import type { Delivery } from '@wrkr/core/backend';
import type { RedisBackend } from '../src';
import { destroyNamespace, killConnections, message, sleep, startBackend } from './helpers';

const ref = (d: Delivery) => ({ queue: d.queue, id: d.message.id, token: d.token });

describe('RedisBackend after CLIENT KILL of its connections', () => {
  let consumer: RedisBackend;
  let producer: RedisBackend;
  beforeEach(async () => {
    consumer = await startBackend();
    producer = await startBackend({ namespace: consumer.namespace });
  });
  afterEach(async () => {
    await Promise.all([consumer.close(), producer.close()]);
    await destroyNamespace(consumer.namespace);
  });

  it('a parked claim wakes for work published after the kill', async () => {
    await consumer.bind('q', 'k.*');
    const pending = consumer.claim('q', { max: 1, leaseMs: 5000, waitMs: 20_000 });
    await sleep(50);
    expect(await killConnections(consumer.namespace)).toBeGreaterThanOrEqual(4);
    await sleep(300);
    const start = Date.now();
    await producer.publish([{ message: message('k.a') }]);
    const got = await pending;
    expect(got).toHaveLength(1);
    // Far below the 5 s watchdog: the wake-up connection came back and was re-subscribed.
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('loses nothing when connections are killed repeatedly during publish and consume', async () => {
    await consumer.bind('q', 'k.*');
    const total = 3000;
    const seen = new Set<string>();
    let done = false;
    const consume = (async () => {
      while (!done) {
        for (const d of await consumer.claim('q', { max: 50, leaseMs: 1000, waitMs: 200 })) {
          seen.add(d.message.id);
          await consumer.ack(ref(d));
        }
        if (seen.size === total) done = true;
      }
    })();
    const published: string[] = [];
    for (let i = 0; i < total; i += 100) {
      const batch = Array.from({ length: 100 }, () => ({ message: message('k.x') }));
      await producer.publish(batch);
      published.push(...batch.map((b) => b.message.id));
      if (i % 600 === 0) await killConnections(i % 1200 === 0 ? consumer.namespace : producer.namespace);
    }
    const timeout = sleep(15_000).then(() => (done = true));
    await Promise.race([consume, timeout]);
    done = true;
    await consume;
    expect(published.filter((id) => !seen.has(id))).toEqual([]);
  });
});
