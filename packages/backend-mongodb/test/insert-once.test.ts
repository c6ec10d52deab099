import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { mongoUrl } from '@wrkr/backend-tests/services';
import { MongoClient } from 'mongodb';
import { insertOnce } from '../src/insert-once';
import { TcpProxy } from './tcp-proxy';

// A batch insert cut off mid-way (its reply lost, or FerretDB giving up on SQLITE_BUSY after writing part
// of it one by one) is retried with the same documents: the part already written is this call's own, a
// document another writer stored first is not. Before, a claim threw there and left its written lease
// entries held by nobody, and a routing pass built new items and added again those already acked.
let direct: MongoClient;
let proxy: TcpProxy;
const collection = `insert_once_${process.pid}_${Date.now()}`;

interface Doc {
  _id: string;
  c: string;
}

beforeAll(async () => {
  const url = new URL(await mongoUrl());
  direct = await new MongoClient(url.toString()).connect();
  proxy = await new TcpProxy(url.hostname, Number(url.port || 27017)).listen();
});

afterAll(async () => {
  await direct?.db('wrkr_test').collection(collection).drop().catch(() => undefined);
  await direct?.close();
  await proxy?.close();
});

it('a batch whose connection is cut while it is written: the written part counts as its own, the other writer\'s document does not', async () => {
  const stored = direct.db('wrkr_test').collection<Doc>(collection);
  // The cut must land while FerretDB writes the batch one by one (its batch insert failed on the other
  // writer's duplicate); how long that takes depends on the machine, so the delay grows until it does.
  for (let round = 0, delayMs = 2; round < 12; round++, delayMs *= 1.6) {
    await stored.deleteMany({});
    await stored.insertOne({ _id: 'x-5', c: 'other' });
    const client = await new MongoClient(`mongodb://127.0.0.1:${proxy.port}/?directConnection=true&retryWrites=false&monitorCommands=true`).connect();
    // Stored when the first attempt failed: more than the other writer's one means it wrote a part.
    let storedAtFailure: Promise<number> | undefined;
    client.on('commandFailed', (e) => {
      if (e.commandName === 'insert') storedAtFailure ??= stored.countDocuments({});
    });
    try {
      const docs: Doc[] = Array.from({ length: 3000 }, (_, i) => ({ _id: `x-${i}`, c: 'mine' }));
      const pending = insertOnce(client.db('wrkr_test').collection<Doc>(collection), docs, (s, d) => s.c === d.c);
      await new Promise((r) => setTimeout(r, delayMs));
      proxy.cut();
      const lost = await pending;
      if (storedAtFailure === undefined || (await storedAtFailure) <= 1) continue;
      assert.deepEqual([...lost], [5], 'only the other writer\'s document is lost');
      const all = await stored.find({}).toArray();
      assert.equal(all.length, 3000);
      assert.equal(all.filter((d) => d.c === 'mine').length, 2999);
      return;
    } finally {
      await client.close();
    }
  }
  assert.fail('no cut landed while the batch was being written');
}, 60_000);
