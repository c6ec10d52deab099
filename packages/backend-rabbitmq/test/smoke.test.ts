import { randomBytes } from 'node:crypto';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import type { Message } from '@wrkr/core/backend';

const ns = () => `t_${randomBytes(5).toString('hex')}`;
const msg = (name: string, id = randomBytes(6).toString('hex')): Message => ({ id, name, body: JSON.stringify({ x: 1 }), publishedAt: Date.now(), headers: { a: 'b' }, tid: 't1' });

describe('smoke', () => {
  let b: RabbitMqBackend;
  beforeEach(async () => {
    b = new RabbitMqBackend({ namespace: ns(), delayHoldMs: 400 });
    await b.start();
  });
  afterEach(async () => {
    await b.destroy();
  });

  it('routes, leases, acks', async () => {
    await b.bind('q1', 'a.*');
    await b.publish([{ message: msg('a.b') }, { message: msg('x.y') }]);
    const got = await b.claim('q1', { max: 5, leaseMs: 1000, waitMs: 1000 });
    expect(got).toHaveLength(1);
    expect(got[0]!.message.headers).toEqual({ a: 'b' });
    expect(got[0]!.attempt).toBe(1);
    expect(await b.stats('q1')).toEqual({ ready: 0, delayed: 0, inFlight: 1, failed: 0 });
    expect(await b.ack({ queue: 'q1', id: got[0]!.message.id, token: got[0]!.token })).toBe(true);
    expect(await b.ack({ queue: 'q1', id: got[0]!.message.id, token: got[0]!.token })).toBe(false);
    expect(await b.bindings()).toEqual([{ queue: 'q1', pattern: 'a.*' }]);
  });

  it('lease expiry counts attempts', async () => {
    await b.send('q2', [{ message: msg('a.b') }]);
    const [d1] = await b.claim('q2', { max: 1, leaseMs: 100, waitMs: 1000 });
    await new Promise((r) => setTimeout(r, 200));
    const [d2] = await b.claim('q2', { max: 1, leaseMs: 1000, waitMs: 1000 });
    expect(d2!.attempt).toBe(2);
    expect(await b.ack({ queue: 'q2', id: d1!.message.id, token: d1!.token })).toBe(false);
    expect(await b.nack({ queue: 'q2', id: d2!.message.id, token: d2!.token }, { kind: 'release' })).toBe(true);
    const [d3] = await b.claim('q2', { max: 1, leaseMs: 1000, waitMs: 1000 });
    expect(d3!.attempt).toBe(2);
    expect(await b.nack({ queue: 'q2', id: d3!.message.id, token: d3!.token }, { kind: 'fail', error: { message: 'boom' } })).toBe(true);
    expect((await b.stats('q2')).failed).toBe(1);
    const failed = await b.failed('q2');
    expect(failed[0]!.attempt).toBe(2);
    expect(await b.replay('q2')).toBe(1);
    const [d4] = await b.claim('q2', { max: 1, leaseMs: 1000, waitMs: 1000 });
    expect(d4!.attempt).toBe(1);
  });

  it('delays (never early) and cancels', async () => {
    await b.bind('q3', 'd.#');
    const due = Date.now() + 300;
    const far = Date.now() + 2500;
    await b.publish([{ message: msg('d.one', 'one'), dueAt: due }, { message: msg('d.two', 'two'), dueAt: far }, { message: msg('d.three', 'three'), dueAt: due }]);
    expect(await b.cancel('three')).toBe(true);
    expect(await b.cancel('three')).toBe(false);
    expect((await b.stats('q3')).delayed).toBe(0); // delayed publishes belong to no queue until routed
    const [d] = await b.claim('q3', { max: 1, leaseMs: 1000, waitMs: 2000 });
    expect(d!.message.id).toBe('one');
    const late = Date.now() - due;
    expect(late).toBeGreaterThanOrEqual(0);
    // Precision is the bench's and the conformance tolerance's to judge; a loaded CI only bounds it loosely.
    expect(late).toBeLessThan(1000);
    await b.ack({ queue: 'q3', id: 'one', token: d!.token });
    const [d2] = await b.claim('q3', { max: 1, leaseMs: 1000, waitMs: 4000 });
    expect(d2!.message.id).toBe('two');
    const late2 = Date.now() - far;
    expect(late2).toBeGreaterThanOrEqual(0);
    expect(late2).toBeLessThan(1000);
  });
});
