import type { Channel, ConsumeMessage, GetMessage } from 'amqplib';
import type { ClaimOptions, Delivery, Logger } from '@wrkr/core/backend';
import { fromAmqp, H, numberHeader, priorityOf } from './amqp-message';
import { ChannelAcks } from './channel-acks';
import type { ConnectionManager } from './connection';
import type { LeaseTable } from './leases';

/** How long a consumer with buffered deliveries may go without a claim before it hands them back. */
const IDLE_RETURN_MS = 50;
/** Consumer prefetch as a multiple of the claim size that starts the consumer. */
const PREFETCH_FACTOR = 4;
/** How long a closing consumer waits for deliveries that crossed its cancel. */
const LATE_DELIVERY_GRACE_MS = 30;

interface Waiter {
  readonly max: number;
  readonly leaseMs: number;
  readonly resolve: (d: Delivery[]) => void;
  readonly cleanup: () => void;
}

/** Gives a buffered delivery back to the queue without counting it as an attempt. */
export type HandBack = (queue: string, raw: ConsumeMessage, channel: Channel, prior: number) => Promise<void>;

/**
 * Deliveries of this item before this one. wrkr writes the count into `x-wrkr-prior` whenever it puts an
 * item back (expiry, retry, release); a delivery that came back without wrkr (its consumer's channel or
 * process died) adds the broker's count: `x-delivery-count` on quorum queues, the `redelivered` flag
 * (at least one) on classic queues.
 */
export function priorAttempts(raw: ConsumeMessage | GetMessage): number {
  const h = (raw.properties.headers ?? {}) as Record<string, unknown>;
  const returned = numberHeader(h['x-delivery-count']) ?? (raw.fields.redelivered ? 1 : 0);
  return (numberHeader(h[H.prior]) ?? 0) + returned;
}

/**
 * Claims of one wrkr queue on one channel. While claims wait, a consumer with a prefetch as large as
 * the biggest waiting claim pushes deliveries into a small buffer that serves them; with no claim
 * waiting the consumer is cancelled and whatever it buffered is handed back, so an idle client never
 * sits on items another client could take. Claims that must not wait use basic.get.
 */
export class QueueConsumer {
  #channel: Channel | undefined;
  #opening: Promise<Channel> | undefined;
  #consumerTag: string | undefined;
  #ops: Promise<void> = Promise.resolve();
  #prefetch = 0;
  #buffer: ConsumeMessage[] = [];
  #handingBack = 0;
  #serving = false;
  /** Tags of consumers this client cancelled: a quorum queue can still deliver to them after cancel-ok. */
  #retired = new Set<string>();
  #waiters: Waiter[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  /** When the last claim came (served from the buffer or not): a claimer that keeps coming is not idle. */
  #lastClaim = 0;
  #closed = false;

  constructor(
    private readonly queue: string,
    private readonly amqpQueue: string,
    private readonly conn: ConnectionManager,
    /** Makes sure the queue exists (and that the namespace knows it, for deleting it later). */
    private readonly declare: () => Promise<void>,
    private readonly leases: LeaseTable,
    private readonly handBack: HandBack,
    private readonly maxPrefetch: number,
    /** The queue is paused: claims get nothing and the consumer does not run (see `pausedChanged`). */
    private readonly paused: () => boolean,
    private readonly log: Logger,
  ) {}

  /** Deliveries buffered here and not leased (ready, from the contract's point of view). */
  get buffered(): number {
    return this.#buffer.length + this.#handingBack;
  }

  /** Lease up to `max` items. */
  async claim(options: ClaimOptions): Promise<Delivery[]> {
    this.#lastClaim = Date.now();
    let ch: Channel;
    try {
      ch = await this.#open();
    } catch (err) {
      // Closing rejects the queue declaration still in flight: a claim pending at close resolves empty.
      if (this.#closed) return [];
      throw err;
    }
    // close() may have run while the channel opened; a waiter added now would never be resolved by it.
    if (this.#closed) return [];
    const now = this.#take(ch, options.max, options.leaseMs);
    if (now.length > 0) return now;
    if (options.waitMs <= 0 || options.signal?.aborted) return this.paused() ? [] : this.#get(ch, options.max, options.leaseMs);
    return new Promise<Delivery[]>((resolve) => {
      const finish = (d: Delivery[]): void => {
        waiter.cleanup();
        resolve(d);
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        finish([]);
        this.#maybeIdle();
      };
      const timer = setTimeout(onAbort, options.waitMs);
      const waiter: Waiter = {
        max: options.max,
        leaseMs: options.leaseMs,
        resolve: finish,
        cleanup: () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      void this.#consume(options.max);
    });
  }

  /** Stop: resolve waiting claims empty and hand back buffered deliveries. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.resolve([]);
    await this.#stopConsuming(true);
    // A quorum queue may still deliver to the consumer just after cancel-ok; give those a moment to
    // arrive and be handed back, or closing the channel would requeue them counted as an attempt.
    if (this.#retired.size > 0) await new Promise((r) => setTimeout(r, LATE_DELIVERY_GRACE_MS));
    while (this.#handingBack > 0) await new Promise((r) => setTimeout(r, 5));
    const ch = this.#channel;
    this.#channel = undefined;
    if (!ch) return;
    // Acks still waiting for the end of the turn go out before the close, which would requeue them.
    ChannelAcks.of(ch)?.flush();
    await ch.close().catch(() => undefined);
  }

  /**
   * The queue was paused or resumed. Paused, the consumer is cancelled and what it buffered goes back to
   * the queue (not counted as an attempt), so no client sits on items while claims may not take them;
   * waiting claims keep waiting. Resumed, waiting claims are served again.
   */
  pausedChanged(): void {
    if (this.#closed) return;
    if (this.paused()) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = undefined;
      void this.#stopConsuming(true);
      return;
    }
    if (this.#waiters.length === 0) return;
    if (this.#channel) this.#serve(this.#channel);
    if (this.#waiters.length > 0) void this.#consume(Math.max(...this.#waiters.map((w) => w.max)));
  }

  /** The queue was deleted or the connection dropped: forget the channel; waiting claims carry on. */
  reset(): void {
    this.#channel = undefined;
    this.#consumerTag = undefined;
    this.#buffer = [];
    this.#prefetch = 0;
    if (this.#waiters.length > 0 && !this.#closed) {
      const max = Math.max(...this.#waiters.map((w) => w.max));
      setTimeout(() => void this.#consume(max), 50);
    }
  }

  #open(): Promise<Channel> {
    if (this.#channel) return Promise.resolve(this.#channel);
    this.#opening ??= (async () => {
      try {
        // The channel opens while the coordinator declares the queue (a round trip saved on a first claim);
        // if the declaration is refused, the unused channel is closed.
        const opening = this.conn.ready().then((model) => model.createChannel());
        opening.catch(() => undefined);
        try {
          await this.declare();
        } catch (err) {
          void opening.then((c) => c.close()).catch(() => undefined);
          throw err;
        }
        const ch = await opening;
        ch.on('error', (err: Error) => this.log.debug({ err: err.message, queue: this.queue }, 'consumer channel error'));
        const acks = new ChannelAcks(ch);
        // amqplib drops (and reports as handler errors) deliveries to consumers it no longer knows; a
        // quorum queue sends those when a delivery crosses our cancel. Catch them first and hand them back.
        ch.prependListener('delivery', (msg: ConsumeMessage) => {
          acks.delivered(msg);
          if (this.#retired.has(msg.fields.consumerTag)) void this.#handBackLate(ch, msg);
        });
        ch.on('handler-error', (err: Error) => this.log.debug({ err: err.message, queue: this.queue }, 'late delivery to a cancelled consumer'));
        ch.on('close', () => {
          acks.closed();
          this.leases.dropChannel(ch);
          if (this.#channel === ch) this.reset();
        });
        this.#channel = ch;
        return ch;
      } finally {
        this.#opening = undefined;
      }
    })();
    return this.#opening;
  }

  #take(ch: Channel, max: number, leaseMs: number): Delivery[] {
    const out: Delivery[] = [];
    if (this.paused()) return out;
    while (out.length < max && this.#buffer.length > 0) out.push(this.#lease(this.#buffer.shift()!, ch, leaseMs));
    return out;
  }

  #lease(raw: ConsumeMessage | GetMessage, ch: Channel, leaseMs: number): Delivery {
    const message = fromAmqp(raw.content, raw.properties, raw.fields.routingKey);
    const attempt = priorAttempts(raw) + 1;
    const lease = this.leases.add(this.queue, message, attempt, raw as ConsumeMessage, ch, leaseMs);
    return { queue: this.queue, message, token: lease.token, attempt, leaseUntil: lease.leaseUntil };
  }

  async #get(ch: Channel, max: number, leaseMs: number): Promise<Delivery[]> {
    const out: Delivery[] = [];
    try {
      while (out.length < max) {
        const raw = await ch.get(this.amqpQueue, { noAck: false });
        if (!raw) break;
        ChannelAcks.of(ch)?.delivered(raw);
        out.push(this.#lease(raw, ch, leaseMs));
      }
    } catch (err) {
      if (out.length === 0) throw err;
    }
    return out;
  }

  /** Start (or replace a saturated) consumer for the waiting claims. Serialised with stopping. */
  #consume(max: number): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    return this.#serial(async () => {
      if (this.#closed || this.#waiters.length === 0 || this.paused()) return;
      const ch = await this.#open();
      if (this.#consumerTag !== undefined) {
        // A consumer whose prefetch is used up by leases can deliver nothing more until one ends:
        // replace it (its leased deliveries stay valid on the channel and stop counting against it).
        if (this.#buffer.length + this.leases.countFrom(ch, this.#consumerTag) < this.#prefetch) return;
        await this.#cancel();
      }
      // Prefetch is per consumer (quorum queues have nothing else), fixed when the consumer starts: a few
      // times the claims that start it, so the broker keeps deliveries coming while leased items are
      // being handled and acked, without a client holding far more than it asks for.
      const want = Math.min(this.maxPrefetch, PREFETCH_FACTOR * Math.max(max, ...this.#waiters.map((w) => w.max), 1));
      if (want !== this.#prefetch) {
        await ch.prefetch(want, false);
        this.#prefetch = want;
      }
      const ok = await ch.consume(this.amqpQueue, (msg) => this.#onDelivery(ch, msg), { noAck: false });
      this.#consumerTag = ok.consumerTag;
    }).catch((err: unknown) => {
      this.log.debug({ err: (err as Error).message, queue: this.queue }, 'could not start consuming; retrying');
      if (this.#waiters.length > 0 && !this.#closed) setTimeout(() => void this.#consume(max), 100);
    });
  }

  async #handBackLate(ch: Channel, raw: ConsumeMessage): Promise<void> {
    this.#handingBack++;
    try {
      await this.handBack(this.queue, raw, ch, priorAttempts(raw));
    } catch (err) {
      this.log.warn({ err: (err as Error).message, queue: this.queue }, 'hand-back of a late delivery failed; the broker requeues it');
    } finally {
      this.#handingBack--;
    }
  }

  #serial(fn: () => Promise<void>): Promise<void> {
    const next = this.#ops.then(fn);
    this.#ops = next.catch(() => undefined);
    return next;
  }

  #onDelivery(ch: Channel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // Cancelled by the broker (queue deleted): waiting claims get nothing now and retry later.
      if (this.#channel === ch) this.#consumerTag = undefined;
      for (const w of this.#waiters.splice(0)) w.resolve([]);
      return;
    }
    if (ch !== this.#channel) return;
    const at = this.#insertAt(priorityOf(msg.properties));
    if (at === this.#buffer.length) this.#buffer.push(msg);
    else this.#buffer.splice(at, 0, msg);
    // amqplib hands over every delivery of one socket read in a row: serve waiting claims once after
    // them, so a claim gets the whole burst instead of one item each.
    if (this.#serving) return;
    this.#serving = true;
    setImmediate(() => {
      this.#serving = false;
      if (ch === this.#channel) this.#serve(ch);
    });
  }

  /**
   * Where a delivery of `priority` goes in the buffer: after every buffered one of its level or higher.
   * The broker sends in priority order only what is in the queue at once, so an item that arrives later
   * (a release or a due retry) may come behind lower ones already delivered: it overtakes them here.
   * Plain traffic is all level 0, where this is an append.
   */
  #insertAt(priority: number): number {
    let i = this.#buffer.length;
    while (i > 0 && priorityOf(this.#buffer[i - 1]!.properties) < priority) i--;
    return i;
  }

  /** Hand buffered deliveries to waiting claims (none while paused: the buffer is on its way back). */
  #serve(ch: Channel): void {
    if (this.paused()) return;
    while (this.#waiters.length > 0 && this.#buffer.length > 0) {
      const w = this.#waiters.shift()!;
      w.resolve(this.#take(ch, w.max, w.leaseMs));
    }
    this.#maybeIdle();
  }

  /**
   * With no claim waiting, hand the buffer back once no claim has come for `IDLE_RETURN_MS`. Idle means
   * no claim at all, not no claim waiting at one instant: a busy subscriber serves its claims straight
   * from the buffer between its handlers' ends, and cancelling it in such a gap (as the check at one
   * instant did, in every burst) wrote back up to the whole prefetch and stalled deliveries until a new
   * consumer started. The quiet time is read one turn after the timer, since a subscriber whose handlers
   * ended in the turn the timer fired claims again only in the next; and a timer that fired late means
   * this process could not run (a long synchronous stretch, or a starved machine), so no claim could
   * have come: that time is forgiven once in a row (not more, so a client always this slow still hands back).
   */
  #maybeIdle(ms = IDLE_RETURN_MS, forgiven = false): void {
    if (this.#waiters.length > 0 || this.#idleTimer || this.#consumerTag === undefined) return;
    const armed = Date.now();
    const timer = setTimeout(() => {
      const late = Date.now() - armed - ms > IDLE_RETURN_MS / 2;
      setImmediate(() => {
        // A claim that waited meanwhile cleared the timer (and may have left a new one): not idle.
        if (this.#idleTimer !== timer) return;
        this.#idleTimer = undefined;
        const quiet = Date.now() - this.#lastClaim;
        if (quiet < IDLE_RETURN_MS) this.#maybeIdle(IDLE_RETURN_MS - quiet);
        else if (late && !forgiven) this.#maybeIdle(IDLE_RETURN_MS, true);
        else void this.#stopConsuming();
      });
    }, ms);
    this.#idleTimer = timer;
  }

  /** Cancel the consumer unless claims wait again by then. */
  #stopConsuming(force = false): Promise<void> {
    return this.#serial(async () => {
      if (force || this.#waiters.length === 0) await this.#cancel();
    }).catch((err: unknown) => this.log.debug({ err: (err as Error).message, queue: this.queue }, 'consumer cancel failed'));
  }

  /** Cancel the consumer and hand back what it buffered (the broker sends nothing after cancel-ok). */
  async #cancel(): Promise<void> {
    const ch = this.#channel;
    const tag = this.#consumerTag;
    if (!ch || tag === undefined) return;
    await ch.cancel(tag);
    this.#retired.add(tag);
    this.#consumerTag = undefined;
    const back = this.#buffer.filter((m) => m.fields.consumerTag === tag);
    this.#buffer = this.#buffer.filter((m) => m.fields.consumerTag !== tag);
    if (back.length === 0) return;
    this.#handingBack += back.length;
    await Promise.all(back.map((raw) => this.handBack(this.queue, raw, ch, priorAttempts(raw))))
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message, queue: this.queue }, 'hand-back of buffered deliveries failed; the broker requeues them'))
      .finally(() => (this.#handingBack -= back.length));
  }
}
