import { connect } from 'amqplib';
import type { Message } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';
import { closeConnections } from './rabbitmqctl';

const message = (id: string): Message => ({ id, name: 'idx.job', publishedAt: Date.now(), body: `{"id":"${id}"}` });
const HOUR = 3_600_000;

/** The shadow-log index (`jobIndex`) through what the backend already survives: lost connections, crashes, failover. */
describe('job index (shadow logs) across failures', () => {
  const fixture = backendClients({ jobIndex: true });

  it('a reader whose connection was closed reads the log again and stays exact', async () => {
    const [a, b] = [await fixture.client(), await fixture.client()];
    await a.send('q', [{ message: message('r1') }, { message: message('r2') }]);
    expect((await b.jobs('q', { state: 'ready' })).map((r) => r.message.id)).toEqual(['r1', 'r2']);
    expect(await closeConnections(b.connectionName)).toBeGreaterThan(0);
    const [d] = await a.claim('q', { max: 1, leaseMs: HOUR, waitMs: 2_000 });
    expect(d?.message.id).toBe('r1');
    expect(await a.ack({ queue: 'q', id: 'r1', token: d!.token })).toBe(true);
    // b reconnects on its own; its first lookup after that folds the log from its start.
    let ready: string[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; ) {
      try {
        ready = (await b.jobs('q', { state: 'ready' })).map((r) => r.message.id);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(ready).toEqual(['r2']);
    expect(await b.job('q', 'r1')).toBeUndefined();
  }, 30_000);

  it("a client that dies holding a lease: the broker requeues the item and the index shows it ready again, in its old place", async () => {
    const [a, b] = [await fixture.client(), await fixture.client()];
    await a.send('q', [{ message: message('c1') }, { message: message('c2') }]);
    const [d] = await a.claim('q', { max: 1, leaseMs: HOUR, waitMs: 2_000 });
    expect(d?.message.id).toBe('c1');
    expect((await b.job('q', 'c1'))?.state).toBe('inFlight');
    // A crash as the broker sees it: the connection is gone, no hand-over, no settled record.
    expect(await closeConnections(a.connectionName)).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    const c1 = await b.job('q', 'c1');
    expect(c1?.state).toBe('ready');
    expect((await b.jobs('q', { state: 'ready' })).map((r) => r.message.id)).toEqual(['c1', 'c2']);
    expect((await b.stats('q')).ready).toBe(2);
  }, 30_000);

  it('a new coordinator still lists delayed items with their bodies, and the index sees its releases', async () => {
    const a = await fixture.client();
    const b = await fixture.client();
    await a.send('q', [
      { message: message('later'), dueAt: Date.now() + HOUR },
      { message: message('soon'), dueAt: Date.now() + 1_500 },
    ]);
    // a started first, so it is the coordinator; closing it hands the role to b.
    await a.close();
    const delayed = await b.jobs('q', { state: 'delayed' });
    expect(delayed.map((r) => r.message.id)).toEqual(['soon', 'later']);
    expect(delayed[1]!.message.body).toBe('{"id":"later"}');
    for (const until = Date.now() + 10_000; Date.now() < until; ) {
      if ((await b.job('q', 'soon'))?.state === 'ready') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await b.job('q', 'soon'))?.state).toBe('ready');
    expect((await b.jobs('q', { state: 'ready' })).map((r) => r.message.id)).toEqual(['soon']);
  }, 30_000);

  it('a queue made before shadow logs gets one when a coordinator takes over, so its releases are not dropped', async () => {
    const old = await fixture.client({ jobIndex: false });
    await old.send('q', [{ message: message('d1'), dueAt: Date.now() + 1_500 }]);
    await old.close();
    const conn = await connect(fixture.url);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    // As a version before shadow logs left it: no log, and the queue not bound to the direct exchange.
    await ch.unbindQueue(`wrkr.${fixture.namespace}.q.q`, `wrkr.${fixture.namespace}.d`, 'q');
    const before = await ch.checkQueue(`wrkr.${fixture.namespace}.s.q`).then(
      () => true,
      () => false,
    );
    await conn.close().catch(() => undefined);
    expect(before).toBe(false);
    const b = await fixture.client();
    // Nothing of b touches the queue before the release (stats declares nothing): only the takeover can have bound it.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await b.stats('q')).ready).toBe(1);
    expect((await b.job('q', 'd1'))?.state).toBe('ready');
  }, 30_000);
});
