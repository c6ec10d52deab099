import type { Channel } from 'amqplib';
import type { Logger } from '@wrkr/core/backend';
import type { ConnectionManager } from './connection';
import type { Names } from './names';

/** AMQP type of the queues holding wrkr queues' items. */
export type QueueType = 'quorum' | 'classic';

/**
 * Declarations and queue checks on a plain channel of their own. A failed operation (404 on a passive
 * check, a precondition failure) closes an AMQP channel, so calls run one at a time and the next call
 * opens a new channel.
 */
export class QueueDeclarer {
  #channel: Promise<Channel> | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly conn: ConnectionManager,
    private readonly names: Names,
    private readonly queueType: QueueType,
    private readonly log: Logger,
  ) {
    conn.on('lost', () => (this.#channel = undefined));
  }

  /** Run `fn` on the channel, after every earlier call has finished. */
  run<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const next = this.#chain.then(async () => fn(await this.#open()));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Declare a wrkr queue and its failed-items queue (idempotent). */
  queue(queue: string): Promise<void> {
    return this.run(async (ch) => {
      await ch.assertQueue(this.names.queue(queue), { durable: true, arguments: { 'x-queue-type': this.queueType } });
      await ch.assertQueue(this.names.failed(queue), { durable: true, arguments: { 'x-queue-type': 'classic' } });
    });
  }

  /** Ready messages and consumers of an AMQP queue, or undefined when it does not exist. */
  async check(amqpQueue: string): Promise<{ messageCount: number; consumerCount: number } | undefined> {
    try {
      return await this.run(async (ch) => {
        const { messageCount, consumerCount } = await ch.checkQueue(amqpQueue);
        return { messageCount, consumerCount };
      });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  /** Declare the exchange and the coordinator's queues of the namespace. */
  namespace(): Promise<void> {
    return this.run(async (ch) => {
      await ch.assertExchange(this.names.exchange, 'topic', { durable: true });
      await ch.assertExchange(this.names.census, 'fanout', { durable: true });
      await ch.assertQueue(this.names.commands, { durable: true, arguments: { 'x-single-active-consumer': true, 'x-queue-type': 'classic' } });
      await ch.assertQueue(this.names.journal, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    });
  }

  #open(): Promise<Channel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => this.log.debug({ err: err.message }, 'declaring channel closed by the broker'));
      ch.on('close', () => {
        if (this.#channel === p) this.#channel = undefined;
      });
      return ch;
    })();
    this.#channel = p;
    p.catch(() => {
      if (this.#channel === p) this.#channel = undefined;
    });
    return p;
  }
}
