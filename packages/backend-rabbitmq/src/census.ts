import type { Channel, ConsumeMessage } from 'amqplib';
import type { AbortRequest, Logger, Message } from '@wrkr/core/backend';
import type { PausedSet } from './coordinator-state';
import type { ConnectionManager } from './connection';
import { randomToken } from './ids';
import type { Names } from './names';

const REPLY_TO = 'amq.rabbitmq.reply-to';
/** A client that does not answer by then (closing at that moment) is counted as holding nothing. */
const ANSWER_WAIT_MS = 500;
/**
 * A barrier waits longer: a lookup is exact only if every client wrote its records, and a client's
 * answer waits for its write-backs under way and a confirmed publish. A client that died is no longer
 * counted (the broker drops its command-queue consumer with its connection).
 */
const FLUSH_WAIT_MS = 5_000;
/** Pause before opening a census channel again after the broker closed it (the connection still up). */
const REOPEN_DELAY_MS = 200;
/** AMQP `type` of the coordinator's notice of the namespace's paused queues (no answer expected). */
export const PAUSED_TYPE = 'wrkr.paused';
/** AMQP `type` of an abort request for whichever client holds the item's lease. */
const ABORT_TYPE = 'wrkr.abort';
/** AMQP `type` of a question for the progress of an item's lease. Count questions carry no type. */
const PROGRESS_TYPE = 'wrkr.progress';

/** AMQP `type` of a barrier question: write your pending shadow-log records, then tell your leases of a queue. */
const FLUSH_TYPE = 'wrkr.flush';

/** A lease one client holds, as a job lookup reports it. */
export interface HeldLease {
  readonly message: Message;
  readonly attempt: number;
  readonly leaseUntil: number;
  /** 1–9; absent for 0. */
  readonly priority?: number;
}

/** What one client holds of a queue. */
export interface ClientCounts {
  /** Deliveries leased to a claim. */
  readonly leased: number;
  /** Deliveries prefetched into the client's buffer and not leased yet (still ready, for the contract). */
  readonly buffered: number;
}

/** What one client says about an item: whether it holds its lease, and the progress stored with it. */
export interface HeldProgress {
  readonly held: boolean;
  readonly value?: string;
}

/** How this client answers the census. */
export interface CensusAnswers {
  /** What this client holds of a queue. */
  counts(queue: string): ClientCounts;
  /** Store an abort request with this client's lease of the item; false when it holds none. */
  abort(queue: string, id: string, request: AbortRequest): boolean;
  /** The progress of this client's lease of the item. */
  progress(queue: string, id: string): HeldProgress;
  /** The coordinator announced the namespace's paused queues. */
  paused(set: PausedSet): void;
  /** Write this client's pending shadow-log records (confirmed), then list its leases of `queue` (of one item when `id` is given). */
  flush(queue: string, id: string | undefined): Promise<HeldLease[]>;
}

interface Round {
  readonly need: number;
  readonly got: unknown[];
  /** An answer that settles the question before everyone answered (the lease holder found). */
  readonly decisive: (answer: unknown) => boolean;
  readonly done: (answers: unknown[]) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Questions to, and notices for, every live client. AMQP tells a queue's ready count but not how many
 * deliveries are unacked, nor which of those are leases and which prefetched, nor which client holds an
 * item's lease, so stats, abort and progress ask every live client: a request goes to the namespace's
 * census fanout exchange, every client (each has an exclusive queue bound there) answers about what it
 * holds, and the asker waits for as many answers as the command queue has consumers (exactly one per
 * live client), or for the holder's. The coordinator announces the paused queues the same way.
 */
export class Census {
  #channel: Promise<Channel> | undefined;
  #rounds = new Map<string, Round>();
  #started = false;
  #closed = false;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly names: Names,
    private readonly local: CensusAnswers,
    /** Called each time the census channel is (re)opened: notices sent while it was down are lost. */
    private readonly opened: () => void,
    private readonly log: Logger,
  ) {
    conn.on('connected', () => this.#reopen());
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
    const answers = (await this.#ask(undefined, { queue }, clients, () => false)) as ClientCounts[];
    return answers.reduce((a, b) => ({ leased: a.leased + b.leased, buffered: a.buffered + b.buffered }), { leased: 0, buffered: 0 });
  }

  /** Have the client holding the item's lease store `request`; false when none of the `clients` holds it. */
  async abort(queue: string, id: string, request: AbortRequest, clients: number): Promise<boolean> {
    const answers = await this.#ask(ABORT_TYPE, { queue, id, request }, clients, (a) => a === true);
    return answers.includes(true);
  }

  /** The progress stored with the item's lease, wherever it is held. */
  async progress(queue: string, id: string, clients: number): Promise<string | undefined> {
    const answers = (await this.#ask(PROGRESS_TYPE, { queue, id }, clients, (a) => (a as HeldProgress).held)) as HeldProgress[];
    return answers.find((a) => a.held)?.value;
  }

  /**
   * A job lookup's barrier: every live client writes the shadow-log records it has pending (so every ack
   * made before this call is in the log) and answers with its leases of `queue` (of item `id` only, when
   * given). A client that does not answer within the census wait is counted as holding none.
   */
  async flush(queue: string, clients: number, id?: string): Promise<HeldLease[]> {
    const answers = (await this.#ask(FLUSH_TYPE, { queue, ...(id !== undefined && { id }) }, clients, () => false, FLUSH_WAIT_MS)) as HeldLease[][];
    if (answers.length < clients) this.log.warn({ queue, clients, answers: answers.length }, 'job lookup barrier: not every client answered; its records and leases are missing from this answer');
    return answers.flat();
  }

  async #ask(type: string | undefined, body: unknown, clients: number, decisive: (answer: unknown) => boolean, waitMs = ANSWER_WAIT_MS): Promise<unknown[]> {
    const ch = await this.#open();
    const id = randomToken();
    return new Promise<unknown[]>((resolve) => {
      const timer = setTimeout(() => {
        this.#rounds.delete(id);
        resolve(round.got);
      }, waitMs);
      const round: Round = { need: Math.max(1, clients), got: [], decisive, done: resolve, timer };
      this.#rounds.set(id, round);
      ch.publish(this.names.census, '', Buffer.from(JSON.stringify(body)), { correlationId: id, replyTo: REPLY_TO, ...(type !== undefined ? { type } : {}) });
    });
  }

  #answer(ch: Channel, msg: ConsumeMessage): void {
    const body = JSON.parse(msg.content.toString('utf8')) as Record<string, unknown>;
    const type = msg.properties.type as string | undefined;
    if (type === PAUSED_TYPE) {
      this.local.paused(body as unknown as PausedSet);
      return;
    }
    const { queue, id } = body as { queue: string; id: string };
    if (type === FLUSH_TYPE) {
      void this.local.flush(queue, id).then(
        (leases) => this.#reply(ch, msg, leases),
        (err: unknown) => this.log.warn({ err: (err as Error).message, queue }, 'barrier not answered'),
      );
      return;
    }
    const answer = type === ABORT_TYPE ? this.local.abort(queue, id, body.request as AbortRequest) : type === PROGRESS_TYPE ? this.local.progress(queue, id) : this.local.counts(queue);
    this.#reply(ch, msg, answer);
  }

  #reply(ch: Channel, msg: ConsumeMessage, answer: unknown): void {
    try {
      ch.sendToQueue(String(msg.properties.replyTo), Buffer.from(JSON.stringify(answer)), { correlationId: String(msg.properties.correlationId) });
    } catch (err) {
      // The channel closed meanwhile (an async answer): the asker counts this client as holding nothing.
      this.log.debug({ err: (err as Error).message }, 'census answer not sent');
    }
  }

  #collect(correlationId: string, content: Buffer): void {
    const round = this.#rounds.get(correlationId);
    if (!round) return;
    const answer: unknown = JSON.parse(content.toString('utf8'));
    round.got.push(answer);
    if (round.got.length < round.need && !round.decisive(answer)) return;
    clearTimeout(round.timer);
    this.#rounds.delete(correlationId);
    round.done(round.got);
  }

  #reopen(): void {
    if (this.#started && !this.#closed && !this.#channel) void this.#open().catch(() => undefined);
  }

  #open(): Promise<Channel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'census channel error'));
      ch.on('close', () => {
        if (this.#channel !== p) return;
        this.#channel = undefined;
        // Only the channel died (the connection's own loss reopens on `connected`): notices must keep coming.
        if (this.conn.current) setTimeout(() => this.#reopen(), REOPEN_DELAY_MS);
      });
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await ch.bindQueue(queue, this.names.census, '');
      await ch.consume(queue, (msg) => msg && this.#answer(ch, msg), { noAck: true });
      await ch.consume(REPLY_TO, (msg) => msg && this.#collect(String(msg.properties.correlationId), msg.content), { noAck: true });
      this.opened();
      return ch;
    })();
    this.#channel = p;
    p.catch(() => {
      if (this.#channel === p) this.#channel = undefined;
    });
    return p;
  }
}
