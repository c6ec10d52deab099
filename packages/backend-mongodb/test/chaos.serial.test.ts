import { join } from 'node:path';
import { runChaos } from '@wrkr/backend-tests/chaos';
import { mongoUrl } from '@wrkr/backend-tests/services';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { MongoClient } from 'mongodb';
import { dropNamespace, MongoBackend } from '../src';

// Consumer processes SIGKILLed while events flow: leases of a dead process run out and the items come
// back, so nothing is lost and the queue returns to 0/0. FerretDB is slow, so the default run is
// smaller than the other backends'; `npm run chaos` sets CHAOS_EVENTS / CHAOS_KILLS for the long one.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 1000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const CONSUMER = join(__dirname, '..', '..', 'backend-tests', 'test', 'chaos-consumer.js');

test(`mongodb: ${EVENTS} events, ${KILLS} consumer SIGKILLs → 0 lost, stats back to 0`, async () => {
  const url = await mongoUrl();
  const namespace = uniqueNamespace();
  const options = { url, dbName: 'wrkr_test', namespace };
  const backend = new MongoBackend(options);
  await backend.start();
  const admin = await new MongoClient(url).connect();
  try {
    const result = await runChaos({
      consumerArgs: [CONSUMER, '@wrkr/backend-mongodb', 'MongoBackend', JSON.stringify(options), 'chaos'],
      publish: (ids) => backend.send('chaos', ids.map((id) => ({ message: { id, name: 'chaos.item', publishedAt: Date.now() } }))),
      stats: () => backend.stats('chaos'),
      events: EVENTS,
      kills: KILLS,
    });
    process.stderr.write(`mongodb chaos: ${JSON.stringify(result)}\n`);
    expect(result).toMatchObject({ lost: 0, stats: { ready: 0, inFlight: 0, delayed: 0, failed: 0 } });
  } finally {
    await backend.close();
    await dropNamespace(admin.db('wrkr_test'), namespace);
    await admin.close();
  }
}, 240_000);
