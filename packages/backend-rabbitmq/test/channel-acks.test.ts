import { randomBytes } from 'node:crypto';
import type { Delivery, Outgoing } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';
import { closeConnections } from './rabbitmqctl';

// A consumer channel's acks go out at the end of the turn, a run of them as one ack with `multiple`
// (which settles every delivery up to its tag). That must never settle a delivery not being acked: a
// lease still held, or a delivery still buffered. Killing the connection makes the broker requeue
// exactly what it has not seen settled, so what comes back shows what the acks covered.

const item = (i: number): Outgoing => ({ message: { id: `a${i}-${randomBytes(3).toString('hex')}`, name: 'acks.job', body: String(i), publishedAt: Date.now() } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('acks sent in runs', () => {
  const clients = backendClients();

  it('never settle a lease still held or a buffered delivery, whatever the order', async () => {
    const holder = await clients.client();
    const other = await clients.client();
    await holder.send('q', Array.from({ length: 12 }, (_, i) => item(i)));
    // max 6: the consumer's prefetch is 24, so all 12 arrive; 6 are leased, 6 stay buffered.
    const got: Delivery[] = [];
    for (let tries = 0; got.length < 6 && tries < 20; tries++) got.push(...(await holder.claim('q', { max: 6 - got.length, leaseMs: 30_000, waitMs: 3000 })));
    expect(got).toHaveLength(6);
    // Ack in one turn, out of order, leaving the third delivery (and the buffered ones) unsettled.
    const acked = [5, 0, 4, 1, 3].map((i) => got[i]!);
    const results = await Promise.all(acked.map((d) => holder.ack({ queue: 'q', id: d.message.id, token: d.token })));
    expect(results).toEqual([true, true, true, true, true]);
    await sleep(200);
    expect(await closeConnections(holder.connectionName)).toBeGreaterThan(0);
    const back: number[] = [];
    for (;;) {
      const [d] = await other.claim('q', { max: 1, leaseMs: 30_000, waitMs: 2000 });
      if (!d) break;
      back.push(Number(d.message.body));
      await other.ack({ queue: 'q', id: d.message.id, token: d.token });
    }
    const ackedBodies = new Set(acked.map((d) => Number(d.message.body)));
    const expected = Array.from({ length: 12 }, (_, i) => i).filter((i) => !ackedBodies.has(i));
    expect(back.sort((a, b) => a - b)).toEqual(expected);
  });
});
