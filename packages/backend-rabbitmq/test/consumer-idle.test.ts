import { randomBytes } from 'node:crypto';
import type { Backend, Outgoing } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';

// A client's consumer hands its buffered deliveries back to the queue once no claim has come for a
// while (so an idle client sits on nothing), and a hand-back writes them behind everything else in the
// queue. A subscriber whose claims keep coming, served from the buffer between its handlers' ends, is
// not idle: before, the check looked for a claim waiting at one instant, cancelled busy consumers in
// such gaps (in every burst) and reordered their items.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const item = (i: number): Outgoing => ({ message: { id: `i${i}-${randomBytes(3).toString('hex')}`, name: 'idle.job', body: String(i), publishedAt: Date.now() } });

/** Claim one item at a time with a pause after each (a handler's work), acking it; bodies in claim order. */
async function paced(b: Backend, queue: string, count: number, pauseMs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const [d] = await b.claim(queue, { max: 1, leaseMs: 10_000, waitMs: 3000 });
    if (!d) throw new Error(`only ${out.length} of ${count} items came: ${out.join(', ')}`);
    out.push(Number(d.message.body));
    await sleep(pauseMs);
    expect(await b.ack({ queue, id: d.message.id, token: d.token })).toBe(true);
  }
  return out;
}

describe('a consumer whose claims keep coming', () => {
  const clients = backendClients();

  it('keeps its buffer between claims, so one level stays in order', async () => {
    const b = await clients.client();
    const count = 16;
    await b.send('q', Array.from({ length: count }, (_, i) => item(i)));
    // Claims of one item every ~20 ms: the consumer (prefetch 4) keeps up to three buffered, served at once.
    expect(await paced(b, 'q', count, 20)).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('still hands its buffer back once claims stop, to another client', async () => {
    const idle = await clients.client();
    const other = await clients.client();
    await idle.send('q', Array.from({ length: 4 }, (_, i) => item(i)));
    const [d] = await idle.claim('q', { max: 1, leaseMs: 10_000, waitMs: 3000 });
    expect(d).toBeDefined();
    // The rest sat in `idle`'s buffer; with no further claim it writes them back, and `other` gets them.
    const got: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [e] = await other.claim('q', { max: 1, leaseMs: 10_000, waitMs: 3000 });
      if (e) got.push(Number(e.message.body));
    }
    expect(got.sort()).toEqual([1, 2, 3]);
  });
});
