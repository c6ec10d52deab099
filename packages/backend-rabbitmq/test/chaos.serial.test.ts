import { join } from 'node:path';
import { runChaos } from '@wrkr/backend-tests/chaos';
import { amqpUrl } from '@wrkr/backend-tests/services';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { RabbitMqBackend } from '../src';
import { closeConnections } from './rabbitmqctl';

// Consumer processes SIGKILLed, and every connection of the run (publisher and consumers) closed by the
// broker, while thousands of events flow: the broker requeues what a dead connection held and the clients
// reconnect, so nothing is lost and the queue comes back to 0/0. CI runs the short version; `npm run
// chaos` sets CHAOS_EVENTS / CHAOS_KILLS / CHAOS_CUTS for the long one.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 2000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const CUTS = Number(process.env.CHAOS_CUTS ?? 1);
const CONSUMER = join(__dirname, '..', '..', 'backend-tests', 'test', 'chaos-consumer.js');

test(`rabbitmq: ${EVENTS} events, ${KILLS} consumer SIGKILLs, ${CUTS} cuts of every connection → 0 lost, stats back to 0`, async () => {
  const url = await amqpUrl();
  const namespace = uniqueNamespace();
  const backend = new RabbitMqBackend({ url, namespace });
  await backend.start();
  try {
    const result = await runChaos({
      consumerArgs: [CONSUMER, '@wrkr/backend-rabbitmq', 'RabbitMqBackend', JSON.stringify({ url, namespace }), 'chaos'],
      publish: (ids) => backend.send('chaos', ids.map((id) => ({ message: { id, name: 'chaos.item', publishedAt: Date.now() } }))),
      stats: () => backend.stats('chaos'),
      events: EVENTS,
      kills: KILLS,
      disrupt: async () => {
        if ((await closeConnections(`wrkr:${namespace}:`)) === 0) throw new Error('no connection of this run found to close');
      },
      disruptions: CUTS,
    });
    process.stderr.write(`rabbitmq chaos: ${JSON.stringify(result)}\n`);
    expect(result).toMatchObject({ lost: 0, disruptions: CUTS, stats: { ready: 0, inFlight: 0, delayed: 0, failed: 0 } });
  } finally {
    await backend.destroy();
  }
}, 180_000);
