import type { Channel } from 'amqplib';
import type { Logger } from '@wrkr/core/backend';
import type { ConnectionManager } from './connection';
import type { Names } from './names';
import { QueueArgumentsError } from './queue-arguments-error';

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
    /** `x-max-priority` of the wrkr queues this client declares (0: none, as before priorities existed). */
    readonly maxPriority: number,
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

  /**
   * Declare a wrkr queue and its failed-items queue (idempotent), the wrkr queue with `maxPriority` (the
   * asking client's, when the coordinator declares for it). A queue that exists with another
   * `x-max-priority` throws QueueArgumentsError (the broker closed this channel; the next call opens one).
   */
  queue(queue: string, maxPriority = this.maxPriority): Promise<void> {
    const amqpQueue = this.names.queue(queue);
    const args: Record<string, unknown> = { 'x-queue-type': this.queueType };
    if (maxPriority > 0) args['x-max-priority'] = maxPriority;
    return this.run(async (ch) => {
      try {
        await ch.assertQueue(amqpQueue, { durable: true, arguments: args });
      } catch (err) {
        const e = err as { code?: number; message?: string };
        if (e.code === 406 && e.message?.includes('x-max-priority')) throw new QueueArgumentsError({ queue, amqpQueue, wanted: maxPriority }, { cause: err });
        throw err;
      }
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
