import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import type { Message } from '@wrkr/core/backend';
import { MongoBackend } from '../src';
import { FerretDbServer } from './ferretdb-server';

// FerretDB v1.24 keeps each statement's cursor of an update command open until the command ends (a
// `defer` in its loop), and a non-multi statement that matched leaves its cursor undrained: an update
// command of 100 such statements holds all 100 SQLite connections and waits for one more for ever — the
// whole server hangs. Registering or stamping many groups at once once sent one `updateOne` per group in
// one bulk write. On a private server, so a regression hangs only it; in the serial phase, so its server
// does not compete for the CPU with the mongodb conformance run.
let server: FerretDbServer | undefined;
beforeAll(async () => {
  if (FerretDbServer.available()) server = await FerretDbServer.start();
}, 30_000);
afterAll(async () => {
  await server?.destroy();
});

const msg = (i: number): { message: Message } => ({ message: { id: `m${i}`, name: 'mg.job', publishedAt: Date.now(), tid: `t${i % 150}` } });
// One item per group per send; a claim of 200 serves (and stamps) every group at once.

(FerretDbServer.available() ? it : it.skip)('150 groups registered and served in one go do not hang the server', async () => {
  const b = new MongoBackend({ url: `${server!.url}?maxPoolSize=4`, namespace: 'many_groups', pollMs: { min: 5, max: 100 } });
  await b.start();
  try {
    await b.setQueueLimits('q', { group: { by: 'tid', concurrency: 10 } });
    // Twice: the second send finds every group registered, so each statement matches a document.
    await b.send('q', Array.from({ length: 150 }, (_, i) => msg(i)));
    await b.send('q', Array.from({ length: 150 }, (_, i) => msg(150 + i)));
    let left = 300;
    for (const until = Date.now() + 30_000; left > 0 && Date.now() < until; ) {
      const got = await b.claim('q', { max: 200, leaseMs: 60_000, waitMs: 1_000 });
      for (const d of got) assert.equal(await b.ack({ queue: 'q', id: d.message.id, token: d.token }), true);
      left -= got.length;
    }
    assert.equal(left, 0, `${left} of 300 items not served`);
  } finally {
    await b.close();
  }
}, 60_000);
