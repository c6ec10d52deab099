import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { MongoBackend } from '../src';
import { FerretDbServer } from './ferretdb-server';

// The long chaos run lost one sent batch per FerretDB kill: the driver reports a connection closed in the
// middle of an insertMany as a bulk write error with no write errors, which the backend read as "no
// duplicates, all written" and answered the send as done. Every resolved send must be stored.
(FerretDbServer.available() ? describe : describe.skip)('sends while the server is SIGKILLed and restarted (private FerretDB)', () => {
  it('every send that resolved is stored; the others rejected', async () => {
    const server = await FerretDbServer.start();
    const b = new MongoBackend({ url: `${server.url}?maxPoolSize=10`, dbName: 'wrkr_test', namespace: 'kill' });
    await b.start();
    const resolved: string[] = [];
    let stop = false;
    try {
      const sending = (async () => {
        for (let i = 0; !stop; i++) {
          const ids = Array.from({ length: 100 }, (_, k) => `b${i}-${k}`);
          try {
            await b.send('q', ids.map((id) => ({ message: { id, name: 'kill.job', publishedAt: Date.now() } })));
            resolved.push(...ids);
          } catch {
            // Not acknowledged: the caller may send it again; nothing is owed.
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      for (let k = 0; k < 3; k++) {
        await new Promise((r) => setTimeout(r, 500));
        await server.kill();
        await server.restart();
      }
      await new Promise((r) => setTimeout(r, 500));
      stop = true;
      await sending;
      const stored = new Set((await b.db.collection('kill.q.q').find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id)));
      const missing = resolved.filter((id) => !stored.has(id));
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${resolved.length} acknowledged items are not stored`);
    } finally {
      await b.close();
      await server.destroy();
    }
  }, 60_000);
});
