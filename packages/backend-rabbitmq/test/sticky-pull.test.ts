import { randomBytes } from 'node:crypto';
import type { Delivery, LeaseRef, Message } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';
import { closeConnections } from './rabbitmqctl';

const message = (name: string): Message => ({ id: randomBytes(8).toString('hex'), name, body: '{"n":1}', publishedAt: Date.now() });
const ref = (d: Delivery): LeaseRef => ({ queue: d.queue, id: d.message.id, token: d.token });

// Sticky leases live in the coordinator (see the README, "Sticky pull"): these tests kill the client that
// took the lease, which is also the active coordinator (the first client to subscribe), and check the
// lease survives the failover, once, with its attempt counted, and still ends on time.
describe('sticky pull across clients and coordinator failover', () => {
  const fixture = backendClients();
  const client = () => fixture.client();

  it('a worker gets its item back through another client after the client that claimed it (the coordinator) was killed; no copy returns to the queue', async () => {
    const a = await client();
    const b = await client();
    const sent = message('sp.killed');
    await a.send('q', [{ message: sent }]);
    const [lost] = await a.claim('q', { max: 1, leaseMs: 30_000, waitMs: 2_000, holder: 'ext-1' });
    expect(lost?.message.id).toBe(sent.id);
    expect(await closeConnections(a.connectionName)).toBeGreaterThan(0);

    const [back] = await b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 0, holder: 'ext-1' });
    expect(back?.message).toEqual(sent);
    expect(back?.attempt).toBe(2);
    expect(await b.ack(ref(lost!))).toBe(false);
    expect(await b.heldBy('q', 'ext-1')).toEqual(ref(back!));
    // The delivery was acked when the coordinator took the item: the broker has nothing to requeue.
    expect(await b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 500 })).toEqual([]);
    expect(await b.stats('q')).toMatchObject({ ready: 0, inFlight: 1 });
    expect(await b.ack(ref(back!))).toBe(true);
    expect(await b.stats('q')).toMatchObject({ ready: 0, inFlight: 0, delayed: 0 });
  }, 60_000);

  it('a sticky lease still ends on time after the coordinator that held it died: the item returns to its queue, counted as a delivery', async () => {
    const a = await client();
    const b = await client();
    const sent = message('sp.expiring');
    await a.send('q', [{ message: sent }]);
    const [held] = await b.claim('q', { max: 1, leaseMs: 2_000, waitMs: 2_000, holder: 'ext-1' });
    expect(held?.attempt).toBe(1);
    expect(await closeConnections(a.connectionName)).toBeGreaterThan(0);

    const [next] = await b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 10_000 });
    expect(next?.message).toEqual(sent);
    expect(next?.attempt).toBe(2);
    expect(Date.now()).toBeGreaterThanOrEqual(held!.leaseUntil - 100);
    expect(await b.heldBy('q', 'ext-1')).toBeUndefined();
    expect(await b.ack(ref(held!))).toBe(false);
    expect(await b.ack(ref(next!))).toBe(true);
  }, 60_000);

  it('two clients taking a first item for one worker at once: both return the same item, the other goes back uncounted', async () => {
    const a = await client();
    const b = await client();
    const items = [message('sp.race'), message('sp.race')];
    await a.send('q', items.map((m) => ({ message: m })));
    const both = await Promise.all([a, b].map((x) => x.claim('q', { max: 1, leaseMs: 30_000, waitMs: 3_000, holder: 'ext-1' })));
    const ids = both.map((got) => got[0]?.message.id);
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
    const live = await a.heldBy('q', 'ext-1');
    expect(both.map((got) => got[0]!.token)).toContain(live?.token);
    expect(await a.stats('q')).toMatchObject({ ready: 1, inFlight: 1 });
    const [spare] = await b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 2_000 });
    expect(spare?.message.id).toBe(items.find((m) => m.id !== ids[0])!.id);
    expect(spare?.attempt).toBe(1);
  }, 60_000);

  it('a sticky lease nacked through another client: fail keeps its attempt in the failed store, release gives it back uncounted', async () => {
    const a = await client();
    const b = await client();
    const [failing, releasing] = [message('sp.fail'), message('sp.release')];
    await a.send('q', [{ message: failing }, { message: releasing }]);
    const [f] = await a.claim('q', { max: 1, leaseMs: 30_000, waitMs: 2_000, holder: 'ext-1' });
    const [r] = await a.claim('q', { max: 1, leaseMs: 30_000, waitMs: 2_000, holder: 'ext-2' });
    const [f2] = await b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 0, holder: 'ext-1' });
    expect(f2?.attempt).toBe(2);
    expect(await b.nack(ref(f!), { kind: 'fail', error: { message: 'stale' } })).toBe(false);
    expect(await b.nack(ref(f2!), { kind: 'fail', error: { message: 'boom' } })).toBe(true);
    expect(await b.nack(ref(r!), { kind: 'release' })).toBe(true);
    const failed = await b.failed('q');
    expect(failed.map((x) => [x.message.id, x.attempt, x.error.message])).toEqual([[failing.id, 2, 'boom']]);
    const [again] = await b.claim('q', { max: 1, leaseMs: 30_000, waitMs: 2_000 });
    expect(again?.message).toEqual(releasing);
    expect(again?.attempt).toBe(1);
    expect(await b.heldBy('q', 'ext-1')).toBeUndefined();
    expect(await b.heldBy('q', 'ext-2')).toBeUndefined();
  }, 60_000);
});
