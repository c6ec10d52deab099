import { join } from 'node:path';
import { runChaos } from '@wrkr/backend-tests/chaos';
import { redisUrl } from '@wrkr/backend-tests/services';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { RedisBackend } from '../src';
import { destroyNamespace } from './helpers';

// Consumer processes SIGKILLed while thousands of events flow: nothing lost, the queue back to 0/0.
// CI runs the short version; `npm run chaos` sets CHAOS_EVENTS / CHAOS_KILLS for the long one.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 2000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const CONSUMER = join(__dirname, '..', '..', 'backend-tests', 'test', 'chaos-consumer.js');

test(`redis: ${EVENTS} events, ${KILLS} consumer SIGKILLs → 0 lost, stats back to 0`, async () => {
  const url = await redisUrl();
  const namespace = uniqueNamespace();
  const backend = new RedisBackend({ url, namespace });
  await backend.start();
  try {
    const result = await runChaos({
      consumerArgs: [CONSUMER, '@wrkr/backend-redis', 'RedisBackend', JSON.stringify({ url, namespace }), 'chaos'],
      publish: (ids) => backend.send('chaos', ids.map((id) => ({ message: { id, name: 'chaos.item', publishedAt: Date.now() } }))),
      stats: () => backend.stats('chaos'),
      events: EVENTS,
      kills: KILLS,
    });
    process.stderr.write(`redis chaos: ${JSON.stringify(result)}\n`);
    expect(result).toMatchObject({ lost: 0, stats: { ready: 0, inFlight: 0, delayed: 0, failed: 0 } });
  } finally {
    await backend.close();
    await destroyNamespace(namespace, url);
  }
}, 180_000);
