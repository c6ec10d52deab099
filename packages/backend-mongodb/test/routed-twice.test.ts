import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { mongoUrl } from '@wrkr/backend-tests/services';
import { type Db, MongoClient } from 'mongodb';
import type { FailedDoc, ItemDoc, LeaseDoc, StoredMessage } from '../src/documents';
import { QueueStore } from '../src/queue-store';

// A delayed publish routed twice (two routers under load, or a pass retried before its routed marks
// landed) brings the same incarnation both times: when the first item was already acked, the second
// routing adds nothing, where a send of a finished id (a new incarnation) adds a new item. Before, the
// second routing built a new incarnation and the publish was delivered again.
let client: MongoClient;
let db: Db;
const prefix = `routed_twice_${process.pid}_${Date.now()}`;

beforeAll(async () => {
  client = await new MongoClient(await mongoUrl()).connect();
  db = client.db('wrkr_test');
});

afterAll(async () => {
  for (const c of ['items', 'leases', 'failed']) await db?.collection(`${prefix}.${c}`).drop().catch(() => undefined);
  await client?.close();
});

it('a second routing of an acked publish adds nothing; a new incarnation of the id is added', async () => {
  // No removal of finished items here (`finished` does nothing): the acked item stays, as it does
  // until the reaper's next batch.
  const store = new QueueStore(
    'q',
    db.collection<ItemDoc>(`${prefix}.items`),
    db.collection<LeaseDoc>(`${prefix}.leases`),
    db.collection<FailedDoc>(`${prefix}.failed`),
    () => {},
    async () => {},
    async () => undefined,
    async () => {},
    async () => true,
  );
  const m: StoredMessage = { id: 'p1', name: 'routed.job', publishedAt: 1 };
  assert.equal(await store.add([{ m, at: Date.now(), c: 'r10-1' }]), 1);
  const { deliveries: [first] } = await store.claim(10, 60_000, false);
  assert.ok(first, 'the routed item was not claimable');
  assert.ok(await store.ack({ queue: 'q', id: 'p1', token: first.token }), 'ack');

  assert.equal(await store.add([{ m, at: Date.now(), c: 'r10-1' }]), 0, 'the second routing added an item');
  assert.deepEqual((await store.claim(10, 60_000, false)).deliveries, [], 'the publish was delivered again');

  assert.equal(await store.add([{ m, at: Date.now(), c: 'r20-2' }]), 1, 'a later publish of the id was not added');
  const { deliveries: [again] } = await store.claim(10, 60_000, false);
  assert.equal(again?.message.id, 'p1');
});
