import type { Channel } from 'amqplib';
import type { Logger } from '@wrkr/core/backend';
import type { ConnectionManager } from './connection';
import type { Names } from './names';
import { QueueArgumentsError } from './queue-arguments-error';
import { ReopeningChannel } from './reopening-channel';

/**
 * A shadow log keeps what the broker appended within its retention: a week, and at most 1 GB in 64 MB
 * segments (the broker trims whole segments). An item still waiting after that has left the log and is
 * no longer found by `job`/`jobs` (it is still delivered); see the README, "Job lookup and listings".
 */
export const SHADOW_ARGUMENTS: Readonly<Record<string, unknown>> = Object.freeze({
  'x-queue-type': 'stream',
  'x-max-age': '7D',
  'x-max-length-bytes': 1_000_000_000,
  'x-stream-max-segment-size-bytes': 64_000_000,
});

/** AMQP type of the queues holding wrkr queues' items. */
export type QueueType = 'quorum' | 'classic';

/**
 * Declarations and queue checks on a plain channel of their own. A failed operation (404 on a passive
 * check, a precondition failure) closes an AMQP channel, so calls run one at a time and the next call
 * opens a new channel.
 */
export class QueueDeclarer {
  readonly #channel: ReopeningChannel;
  /** Second channel, for shadow-log declarations made alongside the queues' (see `queue`). */
  readonly #side: ReopeningChannel;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    conn: ConnectionManager,
    private readonly names: Names,
    private readonly queueType: QueueType,
    /** `x-max-priority` of the wrkr queues this client declares (0: none, as before priorities existed). */
    readonly maxPriority: number,
    log: Logger,
    /** Declare and bind each wrkr queue's shadow log (the `jobIndex` option). */
    readonly shadowLogs = false,
  ) {
    this.#channel = new ReopeningChannel(conn, log, 'declaring');
    this.#side = new ReopeningChannel(conn, log, 'shadow-log declaring');
  }

  /** Run `fn` on the channel, after every earlier call has finished. */
  run<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const next = this.#chain.then(async () => fn(await this.#channel.get()));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Declare a wrkr queue and its failed-items queue (idempotent), the wrkr queue with `maxPriority` (the
   * asking client's, when the coordinator declares for it); `claimOnly`: only the queues, for a client that
   * claims from it (see below). A queue that exists with another
   * `x-max-priority` throws QueueArgumentsError (the broker closed this channel; the next call opens one).
   */
  queue(queue: string, maxPriority = this.maxPriority, claimOnly = false): Promise<void> {
    const amqpQueue = this.names.queue(queue);
    const args: Record<string, unknown> = { 'x-queue-type': this.queueType };
    if (maxPriority > 0) args['x-max-priority'] = maxPriority;
    // The shadow log is declared on a side channel at the same time as the queues (round trips on one
    // channel go one after the other, and a send's first use of a queue waits for all of them).
    const shadowReady = this.shadowLogs && !claimOnly ? this.#declareShadow(queue) : undefined;
    shadowReady?.catch(() => undefined);
    return this.run(async (ch) => {
      try {
        await ch.assertQueue(amqpQueue, { durable: true, arguments: args });
      } catch (err) {
        const e = err as { code?: number; message?: string };
        if (e.code === 406 && e.message?.includes('x-max-priority')) throw new QueueArgumentsError({ queue, amqpQueue, wanted: maxPriority }, { cause: err });
        throw err;
      }
      await ch.assertQueue(this.names.failed(queue), { durable: true, arguments: { 'x-queue-type': 'classic' } });
      // A queue declared only to claim from gets nothing written to it through the direct exchange until a
      // writer declares it (send, replay) or binds it, which does the rest: a claim pays no more round trips.
      if (claimOnly) return;
      // The shadow log bound first, then the queue: a write addressed to the queue reaches both or, before
      // both are bound, is returned to the mandatory sender, which declares again.
      await shadowReady;
      await ch.bindQueue(amqpQueue, this.names.direct, queue);
    });
  }

  /**
   * Bind an existing wrkr queue to the direct exchange and, with `shadowLogs`, give it its shadow log
   * (declared, bound to the direct exchange and with the queue's `patterns` to the topic exchange). A new coordinator
   * does this for every known queue, so queues made before shadow logs existed get one before any
   * release is routed through the direct exchange. False when the work queue does not exist.
   */
  async shadow(queue: string, patterns: readonly string[]): Promise<boolean> {
    if ((await this.check(this.names.queue(queue))) === undefined) return false;
    await this.run(async (ch) => {
      if (this.shadowLogs) {
        await ch.assertQueue(this.names.shadow(queue), { durable: true, arguments: SHADOW_ARGUMENTS });
        for (const pattern of patterns) await ch.bindQueue(this.names.shadow(queue), this.names.exchange, pattern);
        await ch.bindQueue(this.names.shadow(queue), this.names.direct, queue);
      }
      await ch.bindQueue(this.names.queue(queue), this.names.direct, queue);
    });
    return true;
  }

  /** Declare a queue's shadow log and bind it to the direct exchange, on the side channel. */
  async #declareShadow(queue: string): Promise<void> {
    const side = await this.#side.get();
    await side.assertQueue(this.names.shadow(queue), { durable: true, arguments: SHADOW_ARGUMENTS });
    await side.bindQueue(this.names.shadow(queue), this.names.direct, queue);
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
      await ch.assertExchange(this.names.direct, 'direct', { durable: true });
      await ch.assertQueue(this.names.commands, { durable: true, arguments: { 'x-single-active-consumer': true, 'x-queue-type': 'classic' } });
      await ch.assertQueue(this.names.journal, { durable: true, arguments: { 'x-queue-type': 'classic' } });
    });
  }
}
