import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { persistenceTests } from '@wrkr/backend-tests';
import { jestApi } from '@wrkr/backend-tests/jest';
import type { Delivery } from '@wrkr/core/backend';
import { MongoClient } from 'mongodb';
import { dropNamespace, MongoBackend } from '../src';
import { FerretDbServer } from './ferretdb-server';

const msg = (id: string, name = 'restart.job') => ({ id, name, body: JSON.stringify({ id }), publishedAt: Date.now() });

// Kills and restarts a private FerretDB built by scripts/services.sh; skipped when that binary is absent.
(FerretDbServer.available() ? describe : describe.skip)('server restart (private FerretDB killed with SIGKILL)', () => {
  let server: FerretDbServer;
  beforeAll(async () => {
    server = await FerretDbServer.start();
  }, 30_000);
  afterAll(async () => {
    await server?.destroy();
  });

  it('the same client resumes by itself after a restart; ready, delayed, in-flight and failed items survive', async () => {
    const b = new MongoBackend({ url: server.url, namespace: 'restart', pollMs: { min: 5, max: 100 } });
    await b.start();
    try {
      await b.bind('q', 'restart.#');
      await b.publish(['r1', 'r2', 'r3'].map((id) => ({ message: msg(id) })));
      await b.send('q', [{ message: msg('later'), dueAt: Date.now() + 3_000 }]);
      const [inFlight] = await b.claim('q', { max: 1, leaseMs: 2_000, waitMs: 0 });
      assert.ok(inFlight);
      const [failing] = await b.claim('q', { max: 1, leaseMs: 60_000, waitMs: 0 });
      assert.ok(failing);
      assert.equal(await b.nack({ queue: 'q', id: failing.message.id, token: failing.token }, { kind: 'fail', error: { message: 'boom' } }), true);

      await server.kill();
      await expect(b.stats('q')).rejects.toThrow();
      await server.restart();

      // No reconnect call: the driver and the backend recover on their own.
      await b.publish([{ message: msg('after') }]);
      const got: Delivery[] = [];
      const deadline = Date.now() + 20_000;
      while (got.length < 4 && Date.now() < deadline) {
        for (const d of await b.claim('q', { max: 10, leaseMs: 60_000, waitMs: 500 })) {
          got.push(d);
          assert.equal(await b.ack({ queue: 'q', id: d.message.id, token: d.token }), true);
        }
      }
      const ids = got.map((d) => d.message.id).sort();
      // r1..r3 minus the failed one, the expired in-flight one again, the delayed one and the new one.
      const expected = ['r1', 'r2', 'r3', 'later', 'after'].filter((id) => id !== failing.message.id).sort();
      assert.deepEqual(ids, expected);
      assert.equal(got.find((d) => d.message.id === inFlight.message.id)?.attempt, 2);
      assert.deepEqual((await b.failed('q')).map((f) => f.message.id), [failing.message.id]);
    } finally {
      await b.close();
    }
  }, 60_000);
});

// The conformance suite's persistence group, with its server-restart test enabled on the private server.
if (FerretDbServer.available()) {
  let server: FerretDbServer | undefined;
  beforeAll(async () => {
    server = await FerretDbServer.start();
  }, 30_000);
  afterAll(async () => {
    await server?.destroy();
  });
  persistenceTests(
    {
      name: 'mongodb (private FerretDB)',
      createBackend: ({ namespace }) => new MongoBackend({ url: server?.url ?? 'mongodb://127.0.0.1:1/', namespace, pollMs: { min: 5, max: 100 } }),
      destroyBackend: async ({ namespace }) => {
        const client = await new MongoClient(server!.url).connect();
        await dropNamespace(client.db('wrkr'), namespace);
        await client.close();
      },
      restartService: async () => {
        await server!.kill();
        await server!.restart();
      },
      timing: { dueToleranceMs: 250, patienceMs: 15_000 },
    },
    jestApi,
  );
}
