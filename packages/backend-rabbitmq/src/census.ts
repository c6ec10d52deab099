import type { Channel } from 'amqplib';
import type { Logger } from '@wrkr/core/backend';
import type { ConnectionManager } from './connection';
import { randomToken } from './ids';
import type { Names } from './names';

const REPLY_TO = 'amq.rabbitmq.reply-to';
/** A client that does not answer by then (closing at that moment) is counted as holding nothing. */
const ANSWER_WAIT_MS = 500;

/** What one client holds of a queue. */
export interface ClientCounts {
  /** Deliveries leased to a claim. */
  readonly leased: number;
  /** Deliveries prefetched into the client's buffer and not leased yet (still ready, for the contract). */
  readonly buffered: number;
}

interface Round {
  readonly need: number;
  readonly got: ClientCounts[];
  readonly done: (counts: ClientCounts[]) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Exact in-flight counts across clients. AMQP tells a queue's ready count but not how many deliveries
 * are unacked, nor which of those are leases and which prefetched, so stats ask every live client: a
 * request goes to the namespace's census fanout exchange, every client (each has an exclusive queue
 * bound there) answers with what it holds, and the asker waits for as many answers as the command
 * queue has consumers, which is exactly one per live client.
 */
export class Census {
  #channel: Promise<Channel> | undefined;
  #rounds = new Map<string, Round>();
  #started = false;
  #closed = false;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly names: Names,
    private readonly local: (queue: string) => ClientCounts,
    private readonly log: Logger,
  ) {
    conn.on('connected', () => {
      if (this.#started && !this.#closed) void this.#open().catch(() => undefined);
    });
  }

  /** Start answering census requests. */
  async start(): Promise<void> {
    this.#started = true;
    await this.#open();
  }

  /** Stop answering. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const r of this.#rounds.values()) {
      clearTimeout(r.timer);
      r.done(r.got);
    }
    this.#rounds.clear();
    const ch = await this.#channel?.catch(() => undefined);
    this.#channel = undefined;
    await ch?.close().catch(() => undefined);
  }

  /** What all `clients` live clients hold of `queue`, summed. */
  async count(queue: string, clients: number): Promise<ClientCounts> {
    const ch = await this.#open();
    const id = randomToken();
    const answers = await new Promise<ClientCounts[]>((resolve) => {
      const timer = setTimeout(() => {
        this.#rounds.delete(id);
        resolve(round.got);
      }, ANSWER_WAIT_MS);
      const round: Round = { need: Math.max(1, clients), got: [], done: resolve, timer };
      this.#rounds.set(id, round);
      ch.publish(this.names.census, '', Buffer.from(JSON.stringify({ queue })), { correlationId: id, replyTo: REPLY_TO });
    });
    return answers.reduce((a, b) => ({ leased: a.leased + b.leased, buffered: a.buffered + b.buffered }), { leased: 0, buffered: 0 });
  }

  #answer(ch: Channel, content: Buffer, correlationId: string, replyTo: string): void {
    const { queue } = JSON.parse(content.toString('utf8')) as { queue: string };
    ch.sendToQueue(replyTo, Buffer.from(JSON.stringify(this.local(queue))), { correlationId });
  }

  #collect(correlationId: string, content: Buffer): void {
    const round = this.#rounds.get(correlationId);
    if (!round) return;
    round.got.push(JSON.parse(content.toString('utf8')) as ClientCounts);
    if (round.got.length < round.need) return;
    clearTimeout(round.timer);
    this.#rounds.delete(correlationId);
    round.done(round.got);
  }

  #open(): Promise<Channel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'census channel error'));
      ch.on('close', () => {
        if (this.#channel === p) this.#channel = undefined;
      });
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await ch.bindQueue(queue, this.names.census, '');
      await ch.consume(queue, (msg) => msg && this.#answer(ch, msg.content, String(msg.properties.correlationId), String(msg.properties.replyTo)), { noAck: true });
      await ch.consume(REPLY_TO, (msg) => msg && this.#collect(String(msg.properties.correlationId), msg.content), { noAck: true });
      return ch;
    })();
    this.#channel = p;
    p.catch(() => {
      if (this.#channel === p) this.#channel = undefined;
    });
    return p;
  }
}
