import type { Channel, Message } from 'amqplib';

const byChannel = new WeakMap<Channel, ChannelAcks>();

/**
 * The acks of one consumer channel, sent once per event-loop turn in as few frames as the broker allows.
 * A subscriber acks a whole claim's deliveries within a turn or two, mostly in delivery order, and one
 * frame each (5,000 for a 5,000-item burst, each its own socket write and broker command) was the
 * larger part of the client's writes. An ack with `multiple` settles every unsettled delivery up to its
 * tag, so it is sent only for a run that starts at the channel's oldest unsettled delivery and holds
 * nothing but deliveries being acked: this table knows every delivery the channel received and has
 * not settled, so a multiple ack can never cover a lease still held or a delivery still buffered. The
 * rest go one frame each. An ack waits at most until the turn ends, as amqplib's own writes do.
 */
export class ChannelAcks {
  /** Deliveries received and not yet settled, by tag; tags only grow on a channel, so this is in tag order. */
  readonly #open = new Map<number, Message>();
  /** Deliveries to ack with the next flush, by tag. */
  #due = new Map<number, Message>();
  #scheduled = false;
  #closed = false;

  constructor(private readonly ch: Channel) {
    byChannel.set(ch, this);
  }

  /** The table of a channel, if it has one. */
  static of(ch: Channel): ChannelAcks | undefined {
    return byChannel.get(ch);
  }

  /** A delivery arrived on the channel (by a consumer or `basic.get`). */
  delivered(msg: Message): void {
    this.#open.set(msg.fields.deliveryTag, msg);
  }

  /** Ack at the end of this turn; false when the channel is gone (the broker requeued the delivery). */
  ack(msg: Message): boolean {
    if (this.#closed) return false;
    this.#due.set(msg.fields.deliveryTag, msg);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Requeue now; false when the channel is gone. */
  nack(msg: Message): boolean {
    if (this.#closed) return false;
    this.#open.delete(msg.fields.deliveryTag);
    try {
      this.ch.nack(msg, false, true);
      return true;
    } catch {
      this.closed();
      return false;
    }
  }

  /** Send the acks due now (before the channel is closed on purpose, so none is lost to the close). */
  flush(): void {
    this.#scheduled = false;
    if (this.#due.size === 0 || this.#closed) return;
    const due = this.#due;
    this.#due = new Map();
    try {
      let last: Message | undefined;
      let run = 0;
      for (const [tag, msg] of this.#open) {
        if (!due.has(tag)) break;
        last = msg;
        run++;
      }
      if (run > 1) {
        this.ch.ack(last!, true);
        for (const tag of this.#open.keys()) {
          if (run-- === 0) break;
          this.#open.delete(tag);
          due.delete(tag);
        }
      }
      for (const [tag, msg] of due) {
        this.#open.delete(tag);
        this.ch.ack(msg);
      }
    } catch {
      // The channel closed under us: the broker requeues what it had not seen acked.
      this.closed();
    }
  }

  /** The channel is gone: nothing more is sent, and the broker has requeued everything unsettled. */
  closed(): void {
    this.#closed = true;
    this.#open.clear();
    this.#due.clear();
  }
}
