import { join } from 'node:path';
import { runChaos } from '@wrkr/backend-tests/chaos';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { MongoBackend } from '../src';
import { FerretDbServer } from './ferretdb-server';

// Consumer processes SIGKILLed, and the server SIGKILLed and restarted, while events flow: leases of a
// dead process run out and the items come back, clients ride out the restart, so nothing is lost and the
// queue returns to 0/0. A private FerretDB, so the restart disturbs nobody else. FerretDB is slow, so the
// default run is smaller than the other backends'; `npm run chaos` sets CHAOS_EVENTS / CHAOS_KILLS /
// CHAOS_RESTARTS for the long one.
const EVENTS = Number(process.env.CHAOS_EVENTS ?? 1000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 5);
const RESTARTS = Number(process.env.CHAOS_RESTARTS ?? 1);
// How long the queue may take to drain after the last kill: with 1 s leases on a slow server a long run
// redelivers much (leases run out mid-handler), so `npm run chaos` gives it longer than the short run.
const DRAIN_MS = Number(process.env.CHAOS_DRAIN_MS ?? 60_000);
const CONSUMER = join(__dirname, '..', '..', 'backend-tests', 'test', 'chaos-consumer.js');

test(`mongodb: ${EVENTS} events, ${KILLS} consumer SIGKILLs, ${RESTARTS} server SIGKILL+restart → 0 lost, stats back to 0`, async () => {
  const server = await FerretDbServer.start();
  // A pool of 10 per client keeps the publisher and every consumer under FerretDB v1's 100 SQLite
  // connections, past which it deadlocks (README, "FerretDB v1 gaps").
  const url = `${server.url}?maxPoolSize=10`;
  const namespace = uniqueNamespace();
  const options = { url, dbName: 'wrkr_test', namespace };
  const backend = new MongoBackend(options);
  await backend.start();
  try {
    const result = await runChaos({
      consumerArgs: [CONSUMER, '@wrkr/backend-mongodb', 'MongoBackend', JSON.stringify(options), 'chaos'],
      publish: (ids) => backend.send('chaos', ids.map((id) => ({ message: { id, name: 'chaos.item', publishedAt: Date.now() } }))),
      stats: () => backend.stats('chaos'),
      events: EVENTS,
      kills: KILLS,
      disrupt: async () => {
        await server.kill();
        await server.restart();
      },
      disruptions: RESTARTS,
      drainMs: DRAIN_MS,
    });
    process.stderr.write(`mongodb chaos: ${JSON.stringify(result)}\n`);
    expect(result).toMatchObject({ lost: 0, disruptions: RESTARTS, stats: { ready: 0, inFlight: 0, delayed: 0, failed: 0 } });
  } finally {
    await backend.close();
    await server.destroy();
  }
}, 240_000 + DRAIN_MS);
