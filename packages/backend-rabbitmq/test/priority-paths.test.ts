import { randomBytes } from 'node:crypto';
import type { Backend, Message, Outgoing } from '@wrkr/core/backend';
import { eventually } from '@wrkr/backend-tests';
import { backendClients } from './backend-clients';

// The paths of an item that the conformance group does not take on this backend, each of which writes
// the message again and must carry its AMQP priority property over: the delay ladder (a delay longer
// than delayHoldMs), lease expiry, and the lease hand-over of a closing client.

const message = (label: string): Message => ({ id: `${label}-${randomBytes(4).toString('hex')}`, name: 'pp.job', body: JSON.stringify(label), publishedAt: Date.now() });
const item = (label: string): Outgoing => ({ message: message(label), priority: Number(label[0]) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Claim `count` items one at a time, acking each; their labels (and attempts) in claim order. */
async function order(b: Backend, queue: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const [d] = await b.claim(queue, { max: 1, leaseMs: 10_000, waitMs: 3000 });
    if (!d) throw new Error(`only ${out.length} of ${count} items came: ${out.join(', ')}`);
    out.push(`${JSON.parse(d.message.body!) as string}#${d.attempt}`);
    expect(await b.ack({ queue, id: d.message.id, token: d.token })).toBe(true);
  }
  return out;
}

describe('priorities survive every rewrite of an item', () => {
  // A hold of 40 ms sends anything due later than that over the delay ladder (dead-letter hops).
  const clients = backendClients({ delayHoldMs: 40 });

  it('a delayed item that rode the delay ladder keeps its priority', async () => {
    const b = await clients.client();
    await b.send('q', [item('0a'), item('0b')]);
    await b.send('q', [{ ...item('6d'), dueAt: Date.now() + 600 }]);
    // Wait for it to arrive rather than for a time: under load the ladder's hops can run late.
    await eventually(async () => expect((await b.stats('q')).ready).toBe(3), 10_000, 50);
    expect(await order(b, 'q', 3)).toEqual(['6d#1', '0a#1', '0b#1']);
  });

  it('an item whose lease expired comes back at its priority', async () => {
    const b = await clients.client();
    await b.send('q', [item('0a'), item('0b'), item('4a')]);
    const [d] = await b.claim('q', { max: 1, leaseMs: 200, waitMs: 3000 });
    expect(JSON.parse(d!.message.body!)).toBe('4a');
    await sleep(600);
    expect(await order(b, 'q', 3)).toEqual(['4a#2', '0a#1', '0b#1']);
  });

  it('a lease handed over by a closing client comes back at its priority', async () => {
    const stays = await clients.client();
    const closing = await clients.client();
    await stays.send('q', [item('0a'), item('0b'), item('3a')]);
    const [d] = await closing.claim('q', { max: 1, leaseMs: 400, waitMs: 3000 });
    expect(JSON.parse(d!.message.body!)).toBe('3a');
    await closing.close();
    await sleep(800);
    expect(await order(stays, 'q', 3)).toEqual(['3a#2', '0a#1', '0b#1']);
  });
});
