import { join } from 'node:path';
import { runChaos } from '@wrkr/backend-tests/chaos';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { RedisBackend } from '../src';
import { AppendOnlyRedis } from './redis-server';

// Consumer processes SIGKILLed and the server itself SIGKILLed and restarted while thousands of events
// flow: nothing lost, the queue back to 0/0. A private append-only redis-server (appendfsync always), so
// the restart disturbs nobody else. CI runs the short version; `npm run chaos` sets CHAOS_EVENTS /
// CHAOS_KILLS / CHAOS_RESTARTS for the long one.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 2000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const RESTARTS = Number(process.env.CHAOS_RESTARTS ?? 1);
const CONSUMER = join(__dirname, '..', '..', 'backend-tests', 'test', 'chaos-consumer.js');

test(`redis: ${EVENTS} events, ${KILLS} consumer SIGKILLs, ${RESTARTS} server SIGKILL+restart → 0 lost, stats back to 0`, async () => {
  const server = await AppendOnlyRedis.start();
  const namespace = uniqueNamespace();
  const backend = new RedisBackend({ url: server.url, namespace });
  await backend.start();
  try {
    const result = await runChaos({
      consumerArgs: [CONSUMER, '@wrkr/backend-redis', 'RedisBackend', JSON.stringify({ url: server.url, namespace }), 'chaos'],
      publish: (ids) => backend.send('chaos', ids.map((id) => ({ message: { id, name: 'chaos.item', publishedAt: Date.now() } }))),
      stats: () => backend.stats('chaos'),
      events: EVENTS,
      kills: KILLS,
      disrupt: () => server.crash(),
      disruptions: RESTARTS,
    });
    process.stderr.write(`redis chaos: ${JSON.stringify(result)}\n`);
    expect(result).toMatchObject({ lost: 0, disruptions: RESTARTS, stats: { ready: 0, inFlight: 0, delayed: 0, failed: 0 } });
  } finally {
    await backend.close();
    await server.stop();
  }
}, 180_000);
