import { randomBytes } from 'node:crypto';
import { connect, type ChannelModel } from 'amqplib';
import { amqpUrl } from '@wrkr/backend-tests/services';
import { RabbitMqBackend } from '@wrkr/backend-rabbitmq';
import { Wrkr, type WrkrEvent } from '@wrkr/core';

describe('interop with plain AMQP clients', () => {
  let url: string;
  let namespace: string;
  let backend: RabbitMqBackend;
  let wrkr: Wrkr;
  let plain: ChannelModel;

  beforeEach(async () => {
    url = await amqpUrl();
    namespace = `t_${randomBytes(5).toString('hex')}`;
    backend = new RabbitMqBackend({ url, namespace });
    wrkr = new Wrkr({ backend, worker: false, scheduler: false });
    await wrkr.start();
    plain = await connect(url);
  });

  afterEach(async () => {
    await plain.close();
    await wrkr.stop({ timeout: '2s' });
    const cleanup = new RabbitMqBackend({ url, namespace });
    await cleanup.start();
    await cleanup.destroy();
  });

  it('a plain producer publishing JSON to the namespace exchange, routing key = event name, reaches wrkr subscribers', async () => {
    // Bound before the plain publish (a loaded broker can take longer than any fixed pause to declare the
    // queue, and a publish that finds no binding is dropped).
    await wrkr.bind('interop.in', 'shop.order.*');
    const got = new Promise<WrkrEvent>((resolve) => {
      void wrkr.subscribe('interop.in', 'shop.order.*', async (event) => resolve(event));
    });
    const ch = await plain.createConfirmChannel();
    ch.publish(`wrkr.${namespace}`, 'shop.order.placed', Buffer.from(JSON.stringify({ order: 42, note: 'ünïcode' })), {
      persistent: true,
      messageId: 'order-42',
      contentType: 'application/json',
      headers: { 'correlation-id': 'c-1' },
    });
    await ch.waitForConfirms();
    const event = await got;
    expect(event.id).toBe('order-42');
    expect(event.name).toBe('shop.order.placed');
    expect(event.data).toEqual({ order: 42, note: 'ünïcode' });
    expect(event.headers).toEqual({ 'correlation-id': 'c-1' });
  });

  it('a plain consumer with its own queue bound to the exchange reads wrkr events', async () => {
    const ch = await plain.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, `wrkr.${namespace}`, 'billing.#');
    const received = new Promise<{ body: unknown; key: string; id: unknown; tid: unknown }>((resolve) => {
      void ch.consume(queue, (msg) => {
        if (!msg) return;
        ch.ack(msg);
        resolve({ body: JSON.parse(msg.content.toString()), key: msg.fields.routingKey, id: msg.properties.messageId, tid: msg.properties.headers?.['x-wrkr-tid'] });
      });
    });
    const [published] = (await wrkr.publish([{ name: 'billing.invoice.sent', tid: 'inv-7', data: { amount: 12.5 } }])) as Array<{ id: string }>;
    expect(await received).toEqual({ body: { amount: 12.5 }, key: 'billing.invoice.sent', id: published!.id, tid: 'inv-7' });
  });

  it("a plain producer's AMQP priority is the wrkr priority (above 9 counts as 9), and wrkr's priority reaches a plain consumer", async () => {
    await wrkr.bind('interop.prio', 'prio.#');
    const ch = await plain.createConfirmChannel();
    for (const [id, priority] of [['p0', 0], ['p200', 200], ['p4', 4]] as const) {
      ch.publish(`wrkr.${namespace}`, 'prio.job', Buffer.from('{}'), { persistent: true, messageId: id, priority });
    }
    await ch.waitForConfirms();
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [d] = await backend.claim('interop.prio', { max: 1, leaseMs: 10_000, waitMs: 2000 });
      order.push(d!.message.id);
      await backend.ack({ queue: 'interop.prio', id: d!.message.id, token: d!.token });
    }
    expect(order).toEqual(['p200', 'p4', 'p0']);

    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, `wrkr.${namespace}`, 'prio.#');
    const priority = new Promise<unknown>((resolve) => {
      void ch.consume(queue, (msg) => msg && resolve(msg.properties.priority), { noAck: true });
    });
    await wrkr.publish([{ name: 'prio.job', priority: 6 }]);
    expect(await priority).toBe(6);
  });
});
