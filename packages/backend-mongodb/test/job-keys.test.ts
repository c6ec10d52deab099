import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { mongoUrl } from '@wrkr/backend-tests/services';
import { MongoClient } from 'mongodb';
import { dropNamespace, MongoBackend } from '../src';
import { STALE_KEY_MS, type KeyDoc } from '../src/job-keys';

// Crash safety of key guards: what a client that died between its guard insert and its item insert
// (or after finishing its item, before releasing the key) leaves behind, written here directly.
let admin: MongoClient;
let backend: MongoBackend;
const namespace = uniqueNamespace();
const keyed = (id: string, key: string, keyMode: 'dedupe' | 'debounce') => ({ message: { id, name: 'k.job', publishedAt: Date.now() }, key, keyMode });

beforeAll(async () => {
  const url = await mongoUrl();
  admin = await new MongoClient(url).connect();
  backend = new MongoBackend({ url, dbName: 'wrkr_test', namespace });
  await backend.start();
});

afterAll(async () => {
  await backend?.close();
  await dropNamespace(admin.db('wrkr_test'), namespace).catch(() => undefined);
  await admin?.close();
});

const keys = () => admin.db('wrkr_test').collection<KeyDoc>(`${namespace}.keys`);

it('a guard whose item never arrived holds the key while young, and is taken over once stale', async () => {
  await keys().insertOne({ _id: 'q q1 young', q: 'q1', id: 'ghost1', c: 'c1', g: 'g1', ts: Date.now() });
  await keys().insertOne({ _id: 'q q1 old', q: 'q1', id: 'ghost2', c: 'c2', g: 'g2', ts: Date.now() - STALE_KEY_MS - 1_000 });
  assert.deepEqual(await backend.send('q1', [keyed('a', 'young', 'dedupe')]), [{ index: 0, queue: 'q1', outcome: 'deduped', id: 'ghost1' }]);
  assert.deepEqual(await backend.send('q1', [keyed('b', 'old', 'dedupe')]), [{ index: 0, queue: 'q1', outcome: 'added' }]);
  const guard = await keys().findOne({ _id: 'q q1 old' });
  assert.equal(guard?.id, 'b', 'the new item holds the key');
  assert.deepEqual(await backend.send('q1', [keyed('c', 'old', 'dedupe')]), [{ index: 0, queue: 'q1', outcome: 'deduped', id: 'b' }]);
});

it('a holder acked and removed whose release was lost does not block the key past the stale age', async () => {
  assert.deepEqual(await backend.send('q2', [keyed('x', 'k', 'dedupe')]), [{ index: 0, queue: 'q2', outcome: 'added' }]);
  const guard = await keys().findOne({ _id: 'q q2 k' });
  const [d] = await backend.claim('q2', { max: 1, leaseMs: 30_000, waitMs: 5_000 });
  assert.equal(d?.message.id, 'x');
  // The ack's release is undone: the guard is put back, aged, as if the releasing client had died first.
  assert.equal(await backend.ack({ queue: 'q2', id: 'x', token: d!.token }), true);
  await keys().insertOne({ ...guard!, ts: Date.now() - STALE_KEY_MS - 1_000 });
  assert.deepEqual(await backend.send('q2', [keyed('y', 'k', 'dedupe')]), [{ index: 0, queue: 'q2', outcome: 'added' }]);
});

it('a debounce replaces a waiting holder of another client and the replaced one is never delivered', async () => {
  const other = new MongoBackend({ url: await mongoUrl(), dbName: 'wrkr_test', namespace });
  await other.start();
  try {
    await other.send('q3', [keyed('first', 'k', 'debounce')]);
    assert.deepEqual(await backend.send('q3', [keyed('second', 'k', 'debounce')]), [{ index: 0, queue: 'q3', outcome: 'replaced', id: 'first' }]);
    const got = await backend.claim('q3', { max: 10, leaseMs: 30_000, waitMs: 500 });
    assert.deepEqual(got.map((d) => d.message.id), ['second']);
  } finally {
    await other.close();
  }
});

it('debounces racing from two clients leave exactly one item pending, the last one each client saw replaced or added', async () => {
  const other = new MongoBackend({ url: await mongoUrl(), dbName: 'wrkr_test', namespace });
  await other.start();
  try {
    const calls = [backend, other].flatMap((b, bi) => [0, 1, 2, 3, 4].map((n) => b.send('q4', [keyed(`r${bi}${n}`, 'k', 'debounce')])));
    const outcomes = (await Promise.all(calls)).flat();
    assert.equal(outcomes.length, 10);
    assert.ok(outcomes.every((o) => o.outcome === 'added' || o.outcome === 'replaced'), JSON.stringify(outcomes));
    const stats = await backend.stats('q4');
    assert.equal(stats.ready, 1, `one item pending, got ${JSON.stringify(stats)}`);
    const guard = await keys().findOne({ _id: 'q q4 k' });
    const got = await backend.claim('q4', { max: 10, leaseMs: 30_000, waitMs: 500 });
    assert.deepEqual(got.map((d) => d.message.id), [guard?.id], 'the pending item is the one holding the key');
  } finally {
    await other.close();
  }
});
