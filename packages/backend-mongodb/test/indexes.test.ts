import assert from 'node:assert/strict';
import { afterAll, beforeAll, it } from '@jest/globals';
import { uniqueNamespace } from '@wrkr/backend-tests';
import { MongoClient, type Document } from 'mongodb';
import { dropNamespace, MongoBackend } from '../src';
import { ownMongo } from './ferretdb-server';

let server: Awaited<ReturnType<typeof ownMongo>>;
let client: MongoClient;
let backend: MongoBackend;
const namespace = uniqueNamespace();

beforeAll(async () => {
  server = await ownMongo();
  client = await new MongoClient(server.url).connect();
  backend = new MongoBackend({ client, dbName: 'wrkr_test', namespace });
  await backend.start();
  await backend.send('q', [{ message: { id: 'a', name: 'x.y', publishedAt: Date.now() } }]);
});

afterAll(async () => {
  await backend?.close();
  await dropNamespace(client.db('wrkr_test'), namespace);
  await client?.close();
  await server?.close();
});

/** Every stage name of an explain plan tree. */
function stages(plan: Document | undefined): string[] {
  if (plan === undefined) return [];
  return [String(plan.stage), ...stages(plan.inputStage as Document | undefined), ...((plan.inputStages as Document[] | undefined) ?? []).flatMap(stages)];
}

it('indexes are created on start (idempotently) and the claim queries use { at: 1 } and the sparse { m.p: -1 } on MongoDB', async () => {
  await backend.start();
  const items = client.db('wrkr_test').collection(`${namespace}.q.q`);
  const names = (await items.listIndexes().toArray()).map((i) => i.name as string);
  assert.ok(names.includes('at_1') && names.includes('m.p_-1'), `indexes: ${names.join(', ')}`);
  const explain = await items.find({ at: { $lte: Date.now() }, _id: { $nin: ['b'] } }).limit(6).explain('queryPlanner');
  const urgent = await items.find({ at: { $lte: Date.now() }, _id: { $nin: ['b'] }, 'm.p': { $gt: 0 } }).sort({ 'm.p': -1, at: 1, _id: 1 }).limit(6).explain('queryPlanner');
  const info = await client.db('admin').command({ buildInfo: 1 });
  if (info.ferretdbVersion === undefined) {
    // MongoDB: a bounded index scan, never a collection scan (Agenda's CPU problem, agenda#1250/#1437).
    for (const e of [explain, urgent]) {
      const plan = stages(e.queryPlanner.winningPlan as Document);
      assert.ok(plan.includes('IXSCAN') && !plan.includes('COLLSCAN'), `plan: ${plan.join(' <- ')}`);
    }
  } else {
    // FerretDB v1 (SQLite) pushes down only `{ _id: <string> }`; the claim reads from the table front and
    // stops at the limit (see README, "FerretDB v1 gaps").
    assert.equal(explain.filterPushdown, false);
  }
});
