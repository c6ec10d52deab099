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
    const got = new Promise<WrkrEvent>((resolve) => {
      void wrkr.subscribe('interop.in', 'shop.order.*', async (event) => resolve(event));
    });
    await new Promise((r) => setTimeout(r, 200));
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
});
