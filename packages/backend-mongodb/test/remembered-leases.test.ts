import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { mongoUrl } from '@wrkr/backend-tests/services';
import type { Delivery } from '@wrkr/core/backend';
import { MongoClient } from 'mongodb';
import { dropNamespace, MongoBackend } from '../src';

// A client acks, nacks and extends the leases it took from the entry it remembers, without reading the
// lease log first. Each case here is one where that memory is out of date because of another client.
let admin: MongoClient;
let holder: MongoBackend;
let other: MongoBackend;
const namespace = uniqueNamespace();

beforeAll(async () => {
  const url = await mongoUrl();
  admin = await new MongoClient(url).connect();
  holder = new MongoBackend({ url, dbName: 'wrkr_test', namespace });
  other = new MongoBackend({ url, dbName: 'wrkr_test', namespace });
  await Promise.all([holder.start(), other.start()]);
});

afterAll(async () => {
  await Promise.all([holder?.close(), other?.close()]);
  await dropNamespace(admin.db('wrkr_test'), namespace).catch(() => undefined);
  await admin?.close();
});

async function leased(queue: string, leaseMs = 60_000): Promise<Delivery> {
  await holder.send(queue, [{ message: { id: `${queue}-1`, name: 'r.job', publishedAt: Date.now() } }]);
  const [d] = await holder.claim(queue, { max: 1, leaseMs, waitMs: 0 });
  assert.ok(d, 'nothing claimed');
  return d;
}

const ref = (d: Delivery) => ({ queue: d.queue, id: d.message.id, token: d.token });

it('an ack after another client deleted the queue returns false and leaves nothing behind', async () => {
  const d = await leased('deleted');
  await other.deleteQueue('deleted');
  assert.equal(await holder.ack(ref(d)), false);
  assert.equal(await admin.db('wrkr_test').collection(`${namespace}.l.deleted`).countDocuments({}), 0, 'no lease entry left in the dropped log');
});

it('an ack after another client extended the lease with the same token still acks it', async () => {
  const d = await leased('extended');
  assert.equal(await other.extend(ref(d), 60_000), true);
  assert.equal(await holder.ack(ref(d)), true);
  assert.deepEqual(await other.stats('extended'), { ready: 0, delayed: 0, inFlight: 0, failed: 0 });
});

it('an ack after the lease expired and another client claimed the item returns false', async () => {
  const d = await leased('expired', 300);
  await new Promise((r) => setTimeout(r, 400));
  const [again] = await other.claim('expired', { max: 1, leaseMs: 60_000, waitMs: 0 });
  assert.equal(again?.message.id, d.message.id);
  assert.equal(await holder.ack(ref(d)), false);
  assert.equal(await other.ack(ref(again!)), true);
});

it('a remembered token with another item id is not that item', async () => {
  const d = await leased('forged');
  assert.equal(await holder.ack({ ...ref(d), id: 'no-such-id' }), false);
  assert.equal(await holder.ack(ref(d)), true);
});
