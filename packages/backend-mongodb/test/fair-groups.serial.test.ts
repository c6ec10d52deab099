import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, it } from '@jest/globals';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { mongoUrl } from '@wrkr/backend-tests/services';
import type { Delivery, Message } from '@wrkr/core/backend';
import { MongoClient } from 'mongodb';
import { dropNamespace, MongoBackend } from '../src';
import type { ItemDoc } from '../src/documents';

// Fair groups on MongoDB/FerretDB with several clients on one namespace: per-group concurrency and rate
// across clients, round-robin between groups, regrouping when `by` changes, and items added by a client
// whose view of `by` is stale. The conformance group covers the contract on every backend; this file
// covers what is particular to this backend's mechanics (adoption, turn documents).
let admin: MongoClient;
let url: string;
const clients: MongoBackend[] = [];
const namespaces: string[] = [];

beforeAll(async () => {
  url = await mongoUrl();
  admin = await new MongoClient(url).connect();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const ns of namespaces) await dropNamespace(admin.db('wrkr_test'), ns).catch(() => undefined);
  await admin?.close();
});

/** `n` started clients on one fresh namespace (small pools: FerretDB v1 deadlocked past 100 connections). */
async function clientsOn(n: number): Promise<MongoBackend[]> {
  const namespace = uniqueNamespace();
  namespaces.push(namespace);
  const out = Array.from({ length: n }, () => new MongoBackend({ url: `${url}${url.includes('?') ? '&' : '/?'}maxPoolSize=4`, dbName: 'wrkr_test', namespace, pollMs: { min: 5, max: 100 } }));
  clients.push(...out);
  await Promise.all(out.map((c) => c.start()));
  return out;
}

const msg = (fields: Partial<Message> = {}): { message: Message } => ({ message: { id: randomUUID(), name: 'fg.job', publishedAt: Date.now(), ...fields } });
const ref = (d: Delivery) => ({ queue: d.queue, id: d.message.id, token: d.token });
const claimOne = async (b: MongoBackend, waitMs = 5_000): Promise<Delivery | undefined> => (await b.claim('q', { max: 1, leaseMs: 60_000, waitMs }))[0];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('a group with one item is served within one turn of a group with 2,000 waiting', async () => {
  const [a, b] = await clientsOn(2);
  await a!.setQueueLimits('q', { group: { by: 'tid', concurrency: 100 } });
  for (let i = 0; i < 2_000; i += 500) await a!.send('q', Array.from({ length: 500 }, () => msg({ tid: 'big' })));
  await a!.send('q', [msg({ tid: 'small' })]);
  const first = await claimOne(b!);
  const second = await claimOne(a!);
  assert.deepEqual([first?.message.tid, second?.message.tid].sort(), ['big', 'small'], 'each group gets one turn');
  // Round-robin goes on: the only other group is empty now, so the big one is served again.
  assert.equal((await claimOne(b!))?.message.tid, 'big');
});

it('per-group concurrency holds across three clients, and every group progresses', async () => {
  const cs = await clientsOn(3);
  await cs[0]!.setQueueLimits('q', { group: { by: 'tenant', concurrency: 2 } });
  const tenants = ['t1', 't2', 't3'];
  for (const t of tenants) await cs[1]!.send('q', Array.from({ length: 6 }, () => msg({ headers: { tenant: t } })));
  const inFlight = new Map<string, number>();
  const most = new Map<string, number>();
  let done = 0;
  const loop = async (b: MongoBackend): Promise<void> => {
    while (done < 18) {
      const got = await b.claim('q', { max: 3, leaseMs: 60_000, waitMs: 300 });
      for (const d of got) {
        const t = d.message.headers!.tenant!;
        inFlight.set(t, (inFlight.get(t) ?? 0) + 1);
        most.set(t, Math.max(most.get(t) ?? 0, inFlight.get(t)!));
      }
      await sleep(40);
      for (const d of got) {
        inFlight.set(d.message.headers!.tenant!, inFlight.get(d.message.headers!.tenant!)! - 1);
        assert.equal(await b.ack(ref(d)), true);
        done++;
      }
    }
  };
  await Promise.all(cs.flatMap((b) => [loop(b), loop(b)]));
  for (const t of tenants) assert.ok((most.get(t) ?? 0) <= 2, `at most 2 of ${t} in flight, saw ${most.get(t)}`);
  assert.equal(done, 18);
});

it('per-group rate: at most max starts of a group in a window across two clients, other groups unaffected', async () => {
  const [a, b] = await clientsOn(2);
  await a!.setQueueLimits('q', { group: { by: 'tid', rate: { max: 2, per: 60_000 } } });
  await a!.send('q', [...Array.from({ length: 5 }, () => msg({ tid: 'x' })), ...Array.from({ length: 5 }, () => msg({ tid: 'y' }))]);
  const got = [...(await a!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 })), ...(await b!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 }))];
  const per = (t: string) => got.filter((d) => d.message.tid === t).length;
  assert.deepEqual([per('x'), per('y')], [2, 2], 'two starts per group in the window');
  assert.deepEqual(await b!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 300 }), [], 'both windows are full');
  for (const d of got) assert.equal(d.attempt, 1);
});

it('an item without the header is in the group "", served in turn beside the others', async () => {
  const [a] = await clientsOn(1);
  await a!.setQueueLimits('q', { group: { by: 'tenant', concurrency: 1 } });
  await a!.send('q', [msg({ headers: { tenant: 'x' } }), msg({ headers: { tenant: 'x' } }), msg({}), msg({ headers: { other: 'x' } })]);
  const got = await a!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 });
  // One per group: 'x' and '' (the item without headers and the one with another header share it).
  assert.equal(got.length, 2);
  assert.deepEqual(got.map((d) => d.message.headers?.tenant ?? '').sort(), ['', 'x']);
});

it('changing `by` regroups waiting items; a leased item keeps counting toward the group it was claimed in', async () => {
  const [a, b] = await clientsOn(2);
  await a!.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } });
  // Four items of one tid, two regions.
  await a!.send('q', [msg({ tid: 'same', headers: { region: 'eu' } }), msg({ tid: 'same', headers: { region: 'eu' } }), msg({ tid: 'same', headers: { region: 'us' } }), msg({ tid: 'same', headers: { region: 'us' } })]);
  const held = await claimOne(a!);
  assert.ok(held !== undefined);
  assert.deepEqual(await b!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 200 }), [], 'one tid, concurrency 1');
  await b!.setQueueLimits('q', { group: { by: 'region', concurrency: 1 } });
  const got = await a!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 });
  // The held item counts toward 'tid: same', not toward a region: one item of each region starts.
  assert.deepEqual(got.map((d) => d.message.headers!.region).sort(), ['eu', 'us']);
});

it('items sent by a client that has not seen the grouping yet are adopted into their groups', async () => {
  const [a, b] = await clientsOn(2);
  // b reads the limits (none) and caches that view for its adds.
  await b!.send('q', [msg({ tid: 'warm' })]);
  await a!.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } });
  await b!.send('q', [msg({ tid: 'late' }), msg({ tid: 'late' })]);
  const items = admin.db('wrkr_test').collection<ItemDoc>(`${b!.namespace}.q.q`);
  const got = await a!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 });
  assert.deepEqual(got.map((d) => d.message.tid).sort(), ['late', 'warm'], 'one per group, concurrency 1 each');
  assert.deepEqual((await items.distinct('g')).sort(), ['tid\nlate', 'tid\nwarm'], 'every item carries its group');
});

it('removing the group limits returns the queue to plain claims', async () => {
  const [a] = await clientsOn(1);
  await a!.setQueueLimits('q', { group: { by: 'tid', concurrency: 1 } });
  await a!.send('q', Array.from({ length: 3 }, () => msg({ tid: 'one' })));
  assert.equal((await a!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 })).length, 1);
  await a!.setQueueLimits('q', {});
  assert.deepEqual(await a!.queueLimits('q'), {});
  assert.equal((await a!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 })).length, 2);
});

it('grouped, ungrouped, then grouped again by the same `by`: every group is still served', async () => {
  const [a, b] = await clientsOn(2);
  const limits = { group: { by: 'tid', concurrency: 1 } };
  await a!.setQueueLimits('q', limits);
  await a!.send('q', [msg({ tid: 'x' }), msg({ tid: 'x' }), msg({ tid: 'y' }), msg({ tid: 'y' })]);
  const first = await b!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 });
  assert.deepEqual(first.map((d) => d.message.tid).sort(), ['x', 'y']);
  for (const d of first) assert.equal(await b!.ack(ref(d)), true);
  await a!.setQueueLimits('q', {});
  await a!.setQueueLimits('q', limits);
  const again = await b!.claim('q', { max: 10, leaseMs: 60_000, waitMs: 1_000 });
  assert.deepEqual(again.map((d) => d.message.tid).sort(), ['x', 'y'], 'the groups registered before are served again');
});

it("a group found empty is served on the next turn once another client adds to it", async () => {
  const [a, b] = await clientsOn(2);
  await a!.setQueueLimits('q', { group: { by: 'tid', concurrency: 10 } });
  await a!.send('q', [...Array.from({ length: 6 }, () => msg({ tid: 'x' })), msg({ tid: 'y' })]);
  const tids: string[] = [];
  // x, y, x, then y is found empty (its turn is the oldest) and x is served again.
  for (let i = 0; i < 4; i++) {
    const d = await claimOne(b!);
    tids.push(d!.message.tid!);
    assert.equal(await b!.ack(ref(d!)), true);
  }
  assert.deepEqual(tids, ['x', 'y', 'x', 'x']);
  await a!.send('q', [msg({ tid: 'y' })]);
  assert.equal((await claimOne(b!))?.message.tid, 'y', 'the add marks the group ready: it is not skipped as empty');
});
