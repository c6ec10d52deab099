import { randomBytes } from 'node:crypto';
import type { Message } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';
import { closeConnections } from './rabbitmqctl';

const message = (name: string): Message => ({ id: randomBytes(8).toString('hex'), name, publishedAt: Date.now() });
const LEASE = { max: 10, leaseMs: 30_000 };

// The pause conformance group runs its clients side by side; these are the RabbitMQ-specific ways a
// client can miss the coordinator's notice or the state can be lost.
describe('pause across coordinators, restarts and reconnects', () => {
  const fixture = backendClients();
  const client = () => fixture.client();

  it('a pause outlives the client and the coordinator that made it: a client started later sees it', async () => {
    const a = await client();
    await a.send('q', [{ message: message('held.back') }]);
    await a.pause('q');
    const b = await client();
    // `a` was the coordinator; closed, it hands over to `b`, which rebuilds the paused set from the journal.
    await a.close();
    expect((await b.stats('q')).paused).toBe(true);
    // `c` starts after the new coordinator announced the set: it must read it itself.
    const c = await client();
    expect((await c.stats('q')).paused).toBe(true);
    expect(await c.claim('q', { ...LEASE, waitMs: 0 })).toEqual([]);
    expect(await b.claim('q', { ...LEASE, waitMs: 300 })).toEqual([]);
    await b.resume('q');
    const got = await c.claim('q', { ...LEASE, waitMs: 5_000 });
    expect(got.map((d) => d.message.name)).toEqual(['held.back']);
  });

  it('a client whose connection was down while the queue was paused reads the paused set when it is back', async () => {
    const [a, b] = [await client(), await client()];
    await a.send('q', [{ message: message('held.back') }]);
    expect(await closeConnections(b.connectionName)).toBeGreaterThan(0);
    await a.pause('q');
    // Back once a command goes through again; its census queue (and the notice) went with the old connection.
    for (let deadline = Date.now() + 15_000; ; ) {
      const ok = await b.stats('q').then(
        () => true,
        () => false,
      );
      if (ok || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await b.claim('q', { ...LEASE, waitMs: 1_000 })).toEqual([]);
    await a.resume('q');
    expect((await b.claim('q', { ...LEASE, waitMs: 5_000 })).length).toBe(1);
  });

  it('deleting a queue ends its pause', async () => {
    const a = await client();
    await a.pause('q');
    await a.deleteQueue('q');
    expect((await a.stats('q')).paused).toBeUndefined();
    await a.send('q', [{ message: message('after.delete') }]);
    expect((await a.claim('q', { ...LEASE, waitMs: 5_000 })).length).toBe(1);
  });
});
