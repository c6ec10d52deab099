import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { MongoBackend } from '../src';
import { FerretDbServer } from './ferretdb-server';

const msg = (id: string) => ({ id, name: 'index.job', publishedAt: Date.now() });

// CI once failed with "SQL logic error: index … already exists" from createIndexes: FerretDB v1 caches the
// indexes it knows per process, and once the cache misses an index its SQLite file holds, every createIndex
// of it fails. Two FerretDB processes on one data directory make that state on purpose: the second loaded
// the database before the first created the queue's indexes.
(FerretDbServer.available() ? describe : describe.skip)('indexes a FerretDB registry does not know of (two FerretDB processes, one data directory)', () => {
  let first: FerretDbServer;
  let second: FerretDbServer;
  let a: MongoBackend;
  let b: MongoBackend;
  let raw: MongoClient;
  beforeAll(async () => {
    first = await FerretDbServer.start();
    a = new MongoBackend({ url: first.url, dbName: 'wrkr', namespace: 'ix' });
    await a.start();
    // Every collection of the namespace exists before the second process loads the database …
    await a.send('warm', [{ message: msg('warm') }]);
    // … and the queue's collections without their indexes.
    await a.db.createCollection('ix.q.q');
    await a.db.createCollection('ix.l.q');
    second = await FerretDbServer.start(first.dir);
    raw = await new MongoClient(second.url).connect();
    assert.deepEqual((await raw.db('wrkr').collection('ix.q.q').listIndexes().toArray()).map((i) => i.name as string), ['_id_']);
    b = new MongoBackend({ url: second.url, dbName: 'wrkr', namespace: 'ix' });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await raw?.close();
    await second?.kill();
    await first?.destroy();
  });

  it('the first use of a queue succeeds where the server answers that its index already exists', async () => {
    await a.send('q', [{ message: msg('one') }]);
    // The plain driver call shows the server state this test is about.
    await assert.rejects(raw.db('wrkr').collection('ix.q.q').createIndex({ at: 1 }), /index \S+ already exists/);
    await b.start();
    await b.send('q', [{ message: msg('two') }]);
    assert.equal((await b.stats('q')).ready, 2);
  });
});
