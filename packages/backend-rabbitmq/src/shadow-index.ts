import type { Channel, ConsumeMessage } from 'amqplib';
import { BackendError, type Logger, type Message } from '@wrkr/core/backend';
import { fromAmqp, H, numberHeader, priorityOf } from './amqp-message';
import type { ConnectionManager } from './connection';
import type { Names } from './names';
import { RECORD_HEADER, type CompletedRecord, type DelayRecord, type RecordBatch } from './shadow-records';

/** Stream deliveries in flight to the reader at once (a stream consumer needs a prefetch). */
const READ_PREFETCH = 1_000;
/**
 * A settled record whose entry has not been read is a debt: the client's record overtook the broker's own
 * append (they come from different channels). Such a race lasts milliseconds; a debt this much older than
 * the newest record read is a record whose entry the broker trimmed (retention), and is forgotten, so it
 * never settles a later copy of the same id.
 */
const DEBT_TTL_MS = 60_000;
/** A delayed item's body is kept this long after the coordinator last listed it (its record may come first). */
export const DELAY_BODY_GRACE_MS = 60_000;

/** One copy of an item sitting in the work queue (or in a client's prefetch buffer, or leased). */
export interface LiveCopy {
  /** Offset of its entry in the shadow log: the broker queue's own order (a write-back is a new entry at the tail). */
  readonly offset: number;
  readonly message: Message;
  /** Deliveries counted before this copy (`x-wrkr-prior`). */
  readonly prior: number;
  readonly priority: number;
}

/**
 * The fold of one queue's shadow log (`wrkr.<ns>.s.<queue>`), read by this client from the log's first
 * retained entry on. Entries routed by the broker add a live copy; a client's `settled` record removes
 * the oldest live copy of that id (the one a delivery of it came from: a write-back's new copy is
 * confirmed before the old delivery is acked, so it is always the newer one); delay records keep bodies
 * of delayed items by nonce. A settled record read before its entry is kept as a debt and pays off the
 * entry when it comes. Marker records are barriers: `reach(marker)` resolves once the fold has read it.
 *
 * The reader lives as long as its channel: when the channel or connection is lost, the index says it is
 * dead and the owner builds a new one from the start of the log.
 */
export class ShadowIndex {
  readonly #live = new Map<string, LiveCopy[]>();
  readonly #debts = new Map<string, { n: number; at: number }>();
  readonly #delays = new Map<string, { record: DelayRecord; seen: number }>();
  /** Completed items by id, in completion order (a later completion of an id moves it to the end). */
  readonly #completed = new Map<string, CompletedRecord>();
  readonly #markers = new Map<string, (err?: Error) => void>();
  #channel: Channel | undefined;
  #dead = false;
  #newest = 0;

  private constructor(
    private readonly queue: string,
    private readonly names: Names,
    private readonly log: Logger,
  ) {}

  /** Start reading `queue`'s shadow log from its first retained entry. */
  static async open(conn: ConnectionManager, names: Names, queue: string, log: Logger): Promise<ShadowIndex> {
    const index = new ShadowIndex(queue, names, log);
    const model = await conn.ready();
    const ch = await model.createChannel();
    index.#channel = ch;
    ch.on('error', (err: Error) => log.debug({ err: err.message, queue }, 'shadow-log reader channel error'));
    ch.on('close', () => index.#die());
    await ch.prefetch(READ_PREFETCH);
    // A null delivery is the broker cancelling the consumer (the log was deleted): this reader is done.
    await ch.consume(names.shadow(queue), (msg) => (msg ? index.#read(ch, msg) : void index.close()), { noAck: false, arguments: { 'x-stream-offset': 'first' } });
    return index;
  }

  /** False once the reader's channel is gone: the owner must open a new index. */
  get alive(): boolean {
    return !this.#dead;
  }

  /**
   * Resolves once the fold has read the marker record `marker`; rejects if the reader dies or `ms` pass
   * first. Call it before writing the marker (a marker read before anyone waits for it is ignored, as
   * other clients' markers are).
   */
  reach(marker: string, ms: number): Promise<void> {
    if (this.#dead) return Promise.reject(new BackendError(`rabbitmq: the shadow-log reader of ${this.queue} closed before the barrier`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#markers.delete(marker);
        reject(new BackendError(`rabbitmq: the shadow log of ${this.queue} was not read up to the barrier within ${ms} ms`));
      }, ms);
      this.#markers.set(marker, (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Live copies in the broker queue's delivery order: priority first, then position (log offset). */
  live(): LiveCopy[] {
    const all: LiveCopy[] = [];
    for (const copies of this.#live.values()) all.push(...copies);
    return all.sort((a, b) => b.priority - a.priority || a.offset - b.offset);
  }

  /** The live copies of one id, oldest first. */
  copies(id: string): readonly LiveCopy[] {
    return this.#live.get(id) ?? [];
  }

  /** The body record of a delayed item, by the nonce of its coordinator entry. */
  delayBody(nonce: string): DelayRecord | undefined {
    const d = this.#delays.get(nonce);
    if (d) d.seen = Date.now();
    return d?.record;
  }

  /**
   * Completed items, most recent first, without those older than their `ageMs` at `now` (an item past its
   * age is never shown again, even before a later ack trims it).
   */
  completed(now: number): CompletedRecord[] {
    const out: CompletedRecord[] = [];
    for (const c of this.#completed.values()) if (now - c.at < c.ageMs) out.push(c);
    return out.sort((a, b) => b.at - a.at);
  }

  /** Forget delayed bodies the coordinator no longer lists (released, cancelled), once past the grace period. */
  pruneDelays(current: ReadonlySet<string>, now: number): void {
    for (const [nonce, d] of this.#delays) if (!current.has(nonce) && now - d.seen > DELAY_BODY_GRACE_MS) this.#delays.delete(nonce);
  }

  /** Stop reading. */
  async close(): Promise<void> {
    const ch = this.#channel;
    this.#channel = undefined;
    this.#die();
    await ch?.close().catch(() => undefined);
  }

  #die(): void {
    this.#dead = true;
    for (const done of this.#markers.values()) done(new BackendError(`rabbitmq: the shadow-log reader of ${this.queue} closed before the barrier`));
    this.#markers.clear();
  }

  #read(ch: Channel, msg: ConsumeMessage): void {
    try {
      const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
      if (headers[RECORD_HEADER] !== undefined) this.#record(JSON.parse(msg.content.toString('utf8')) as RecordBatch);
      else this.#entry(msg, numberHeader(headers['x-stream-offset']) ?? 0);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, queue: this.queue }, 'unreadable shadow-log entry skipped');
    }
    // A stream consumer acks only to get more credit; the log itself is not changed by acks.
    ch.ack(msg);
  }

  #entry(msg: ConsumeMessage, offset: number): void {
    // Without an AMQP message id (a plain producer's message) no client's record can name the copy: not indexed.
    if (typeof msg.properties.messageId !== 'string' || msg.properties.messageId === '') return;
    // The broker adds the entry's offset as a header; it is not the event's.
    const h = (msg.properties.headers ?? {}) as Record<string, unknown>;
    delete h['x-stream-offset'];
    const message = fromAmqp(msg.content, msg.properties, msg.fields.routingKey);
    const debt = this.#debts.get(message.id);
    if (debt) {
      if (--debt.n === 0) this.#debts.delete(message.id);
      return;
    }
    const copy: LiveCopy = { offset, message, prior: numberHeader(h[H.prior]) ?? 0, priority: priorityOf(msg.properties) };
    const list = this.#live.get(message.id);
    if (list) list.push(copy);
    else this.#live.set(message.id, [copy]);
  }

  /** Keep a completion (replacing an earlier one of the id), then trim to the newest `count` and drop the aged. */
  #complete(c: CompletedRecord): void {
    this.#completed.delete(c.message.id);
    this.#completed.set(c.message.id, c);
    const byAge = [...this.#completed.values()].sort((a, b) => b.at - a.at);
    for (const [i, old] of byAge.entries()) if (i >= c.count || c.at - old.at >= old.ageMs) this.#completed.delete(old.message.id);
  }

  #record(batch: RecordBatch): void {
    this.#newest = Math.max(this.#newest, batch.at);
    for (const id of batch.settled ?? []) {
      const list = this.#live.get(id);
      if (list && list.length > 0) {
        list.shift();
        if (list.length === 0) this.#live.delete(id);
        continue;
      }
      const debt = this.#debts.get(id);
      if (debt) debt.n++;
      else this.#debts.set(id, { n: 1, at: batch.at });
    }
    for (const d of batch.delays ?? []) this.#delays.set(d.nonce, { record: d, seen: batch.at });
    for (const c of batch.completed ?? []) this.#complete(c);
    for (const [id, debt] of this.#debts) if (this.#newest - debt.at > DEBT_TTL_MS) this.#debts.delete(id);
    if (batch.marker !== undefined) {
      const done = this.#markers.get(batch.marker);
      this.#markers.delete(batch.marker);
      done?.();
    }
  }
}
