import type { Channel, ConsumeMessage } from 'amqplib';
import type { LifecycleEvent, LifecycleListener, LifecycleSubscription, Logger } from '@wrkr/core/backend';
import type { ConnectionManager } from './connection';
import type { Names } from './names';

/** Pause before opening the channel again after the broker closed it (the connection still up). */
const REOPEN_DELAY_MS = 200;

/** One watcher: its own exclusive, auto-delete queue bound to the events exchange with the wrkr queue's name. */
interface Watcher {
  readonly queue: string;
  readonly listener: LifecycleListener;
  /** The channel its AMQP queue and consumer live on (a new channel means binding again). */
  ch?: Channel;
  tag?: string;
  amqpQueue?: string;
}

/**
 * Lifecycle events over the namespace's direct exchange `wrkr.<ns>.events`: a publish is one unconfirmed,
 * transient `basic.publish` per queue and batch with the wrkr queue as routing key, which the broker drops
 * at once when no watcher's queue is bound to it, so unwatched queues cost one message per batch. Each watcher has a
 * server-named exclusive queue (gone with its channel) bound with its queue's name; after a lost channel
 * or connection the watchers bind again, and what was published meanwhile is missed, as the contract allows.
 */
export class LifecycleExchange {
  #channel?: Promise<Channel>;
  readonly #watchers = new Set<Watcher>();
  #closed = false;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly names: Names,
    private readonly log: Logger,
  ) {
    conn.on('connected', () => this.#reopen());
  }

  /**
   * Send `events` to their queues' watchers (best-effort: no confirm, not persistent): one message per
   * queue carrying that queue's events as a JSON array, in order. A message per event would make the
   * broker route two extra publishes per job (`active`, `completed`), more than the job's own.
   */
  async publish(events: readonly LifecycleEvent[]): Promise<void> {
    const ch = await this.#open();
    const byQueue = new Map<string, LifecycleEvent[]>();
    for (const event of events) {
      const list = byQueue.get(event.queue);
      if (list) list.push(event);
      else byQueue.set(event.queue, [event]);
    }
    for (const [queue, list] of byQueue) ch.publish(this.names.events, queue, Buffer.from(JSON.stringify(list)), { contentType: 'application/json', persistent: false });
  }

  /** Bind a new watcher; resolves once its queue is bound and consumed. */
  async watch(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    const w: Watcher = { queue, listener };
    this.#watchers.add(w);
    try {
      const ch = await this.#open();
      if (w.ch !== ch) await this.#attach(ch, w);
    } catch (err) {
      this.#watchers.delete(w);
      throw err;
    }
    return { close: () => this.#detach(w) };
  }

  /** Stop every watcher and close the channel. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
    const ch = await this.#channel?.catch(() => undefined);
    this.#channel = undefined;
    await ch?.close().catch(() => undefined);
  }

  async #detach(w: Watcher): Promise<void> {
    if (!this.#watchers.delete(w)) return;
    const ch = w.ch;
    if (ch === undefined || (await this.#channel?.catch(() => undefined)) !== ch) return;
    if (w.tag !== undefined) await ch.cancel(w.tag).catch(() => undefined);
    if (w.amqpQueue !== undefined) await ch.deleteQueue(w.amqpQueue).catch(() => undefined);
  }

  async #attach(ch: Channel, w: Watcher): Promise<void> {
    w.ch = ch;
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, this.names.events, w.queue);
    const { consumerTag } = await ch.consume(queue, (msg) => msg && this.#deliver(w, msg), { noAck: true });
    w.amqpQueue = queue;
    w.tag = consumerTag;
  }

  #deliver(w: Watcher, msg: ConsumeMessage): void {
    let events: LifecycleEvent[];
    try {
      const body = JSON.parse(msg.content.toString('utf8')) as LifecycleEvent | LifecycleEvent[];
      // One event per message is what a client before batching sent.
      events = Array.isArray(body) ? body : [body];
    } catch (err) {
      this.log.warn({ err }, 'lifecycle message not readable');
      return;
    }
    for (const event of events) {
      if (!this.#watchers.has(w)) return;
      try {
        w.listener(event);
      } catch (err) {
        // A listener's error must not take the channel's other watchers (or the batch's other events) down.
        this.log.warn({ err }, 'lifecycle event not delivered');
      }
    }
  }

  #reopen(): void {
    if (!this.#closed && !this.#channel && this.#watchers.size > 0) void this.#open().catch(() => undefined);
  }

  #open(): Promise<Channel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'lifecycle channel error'));
      ch.on('close', () => {
        if (this.#channel !== p) return;
        this.#channel = undefined;
        if (this.conn.current) setTimeout(() => this.#reopen(), REOPEN_DELAY_MS);
      });
      await ch.assertExchange(this.names.events, 'direct', { durable: true });
      for (const w of this.#watchers) if (w.ch !== ch) await this.#attach(ch, w);
      return ch;
    })();
    this.#channel = p;
    p.catch(() => {
      if (this.#channel === p) this.#channel = undefined;
    });
    return p;
  }
}
