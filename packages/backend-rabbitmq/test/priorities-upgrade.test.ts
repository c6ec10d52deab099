import { randomBytes } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import { QueueArgumentsError, RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import { isWrkrError, type Backend, type Delivery, type Message } from '@wrkr/core/backend';
import { backendClients } from './backend-clients';

const message = (label: string): Message => ({ id: `${label}-${randomBytes(4).toString('hex')}`, name: 'up.job', body: JSON.stringify(label), publishedAt: Date.now() });
const label = (d: Delivery) => JSON.parse(d.message.body!) as string;

/** Claim `count` items one at a time, acking each; their labels in claim order. */
async function drain(b: Backend, queue: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const [d] = await b.claim(queue, { max: 1, leaseMs: 10_000, waitMs: 3000 });
    if (!d) throw new Error(`only ${out.length} of ${count} items came`);
    out.push(label(d));
    expect(await b.ack({ queue, id: d.message.id, token: d.token })).toBe(true);
  }
  return out;
}

/** Expect `call` to be refused as a queue declared the other way: typed, naming the queue and the fix. */
async function expectRefused(call: Promise<unknown>, amqpQueue: string, fix: string): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(QueueArgumentsError);
  expect(isWrkrError(err, 'ERR_WRKR_BACKEND')).toBe(true);
  expect((err as Error).message).toContain(amqpQueue);
  expect((err as Error).message).toContain(fix);
}

describe('priorities on a namespace whose queues an earlier version declared', () => {
  const clients = backendClients();
  let conn: ChannelModel;
  let amqpQueue: string;

  /** Declare `old` as wrkr did before priorities (no x-max-priority), with two items in it. */
  beforeEach(async () => {
    conn = await connect(clients.url);
    amqpQueue = `wrkr.${clients.namespace}.q.old`;
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(amqpQueue, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    for (const l of ['old1', 'old2']) {
      const m = message(l);
      ch.sendToQueue(amqpQueue, Buffer.from(m.body!), { persistent: true, messageId: m.id, appId: 'wrkr', type: m.name, timestamp: m.publishedAt });
    }
    await ch.waitForConfirms();
    await ch.close();
  });

  afterEach(async () => {
    const ch = await conn.createChannel();
    await ch.deleteQueue(amqpQueue);
    await conn.close();
  });

  const queued = async (): Promise<number> => {
    const ch = await conn.createChannel();
    const { messageCount } = await ch.checkQueue(amqpQueue);
    await ch.close();
    return messageCount;
  };

  it('a client with priorities gets QueueArgumentsError on send, claim and bind, writes nothing, and keeps working for other queues', async () => {
    // A coordinator with priorities off declares for the asking client as that client wants.
    await clients.client({ priorities: false });
    const b = await clients.client();
    expect(b.capabilities.priorities).toBe(true);
    const fix = 'priorities: false';
    await expectRefused(b.send('old', [{ message: message('new1'), priority: 5 }]), amqpQueue, fix);
    await expectRefused(b.claim('old', { max: 1, leaseMs: 1000, waitMs: 200 }), amqpQueue, fix);
    await expectRefused(b.bind('old', 'up.#'), amqpQueue, fix);
    await expectRefused(b.replay('old'), amqpQueue, fix);
    expect(await queued()).toBe(2);
    expect(await b.bindings('old')).toEqual([]);

    // The refusal closed a broker channel; nothing else of the client broke.
    await b.send('fresh', [{ message: message('0a') }, { message: message('3a'), priority: 3 }]);
    expect(await drain(b, 'fresh', 2)).toEqual(['3a', '0a']);
  });

  it('the same refusal comes from a client that is the coordinator itself', async () => {
    const b = await clients.client();
    await expectRefused(b.send('old', [{ message: message('new1') }]), amqpQueue, 'rabbitmqctl delete_queue');
    expect(await queued()).toBe(2);
  });

  it('priorities: false keeps using the old queue; drained and deleted, it comes back with priorities', async () => {
    const before = await clients.client({ priorities: false });
    expect(before.capabilities.priorities).toBe(false);
    await before.send('old', [{ message: message('old3') }]);
    expect(await drain(before, 'old', 3)).toEqual(['old1', 'old2', 'old3']);
    await before.close();

    // The migration the error message names: the queue is empty, so deleting it loses nothing.
    const ch = await conn.createChannel();
    await ch.deleteQueue(amqpQueue, { ifEmpty: true });
    await ch.close();

    const after = await clients.client();
    await after.send('old', [{ message: message('0a') }, { message: message('7a'), priority: 7 }, { message: message('2a'), priority: 2 }]);
    expect(await drain(after, 'old', 3)).toEqual(['7a', '2a', '0a']);
  });

  it('a client with priorities off meets a queue declared with them: refused, naming the option to drop', async () => {
    const b = await clients.client();
    await b.send('new', [{ message: message('x') }]);
    const off = await clients.client({ priorities: false });
    await expectRefused(off.send('new', [{ message: message('y') }]), `wrkr.${clients.namespace}.q.new`, 'drop that option');
  });
});

describe('priorities and queue types', () => {
  it('quorum queues leave priorities off, and refuse them when asked for', () => {
    expect(new RabbitMqBackend({ queueType: 'quorum' }).capabilities.priorities).toBe(false);
    expect(new RabbitMqBackend({ queueType: 'classic', priorities: false }).capabilities.priorities).toBe(false);
    expect(new RabbitMqBackend().capabilities.priorities).toBe(true);
    expect(() => new RabbitMqBackend({ queueType: 'quorum', priorities: true })).toThrow(expect.objectContaining({ code: 'ERR_WRKR_VALIDATION' }) as Error);
  });
});
