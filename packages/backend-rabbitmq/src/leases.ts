import type { Channel, ConsumeMessage } from 'amqplib';
import type { AbortRequest, LeaseRef, Message } from '@wrkr/core/backend';
import { randomToken } from './ids';

// Tokens are only ever checked by the client that issued them, so a random per-client prefix and a
// counter make them unique and unguessable at a fraction of the cost of random bytes per lease.
const TOKEN_PREFIX = randomToken();
let tokenSeq = 0;

/** A delivery held by this client: an unacked AMQP message on the channel it came from. */
export interface Lease {
  readonly token: string;
  readonly queue: string;
  readonly message: Message;
  readonly attempt: number;
  readonly raw: ConsumeMessage;
  readonly channel: Channel;
  leaseUntil: number;
  timer: NodeJS.Timeout;
  /** An abort requested for this lease (from any client); gone with the lease. */
  abort?: AbortRequest;
  /** Progress (JSON text) the handler reported under this lease; gone with the lease. */
  progress?: string;
}

/**
 * Every lease this client holds, by token. A lease lives exactly as long as its unacked delivery: it
 * ends by ack, by hand-back, by its timer (the item is written back to its queue with its attempt
 * count, then the delivery acked), or by its channel closing (the broker requeues it). A token not in the table is
 * stale, so an ack can only ever touch the delivery tag it was issued for, on the channel it came from,
 * and never a delivery someone else now holds.
 */
export class LeaseTable {
  #leases = new Map<string, Lease>();

  /** `expire` gives an expired lease's item back to its queue as the next attempt. */
  constructor(private readonly expire: (lease: Lease) => void) {}

  /** Leases held on one wrkr queue. */
  count(queue: string): number {
    let n = 0;
    for (const l of this.#leases.values()) if (l.queue === queue) n++;
    return n;
  }

  /** Leases of deliveries one consumer made (they count against that consumer's prefetch). */
  countFrom(channel: Channel, consumerTag: string): number {
    let n = 0;
    for (const l of this.#leases.values()) if (l.channel === channel && l.raw.fields.consumerTag === consumerTag) n++;
    return n;
  }

  /** Lease a delivery until `leaseMs` from now. */
  add(queue: string, message: Message, attempt: number, raw: ConsumeMessage, channel: Channel, leaseMs: number): Lease {
    const token = `${TOKEN_PREFIX}.${(++tokenSeq).toString(36)}`;
    const lease: Lease = { token, queue, message, attempt, raw, channel, leaseUntil: Date.now() + leaseMs, timer: undefined as unknown as NodeJS.Timeout };
    lease.timer = this.#arm(lease, leaseMs);
    this.#leases.set(token, lease);
    return lease;
  }

  /** The lease a reference names, or undefined when its token is stale. */
  get(ref: LeaseRef): Lease | undefined {
    return this.#find(ref);
  }

  /** This client's lease of an item, if it holds one (a scan: only abort and progress look items up by id). */
  holding(queue: string, id: string): Lease | undefined {
    for (const l of this.#leases.values()) if (l.queue === queue && l.message.id === id) return l;
    return undefined;
  }

  /** Leases held on one wrkr queue (of one item only, when `id` is given): a job lookup's census answer. */
  list(queue: string, id?: string): Lease[] {
    const out: Lease[] = [];
    for (const l of this.#leases.values()) if (l.queue === queue && (id === undefined || l.message.id === id)) out.push(l);
    return out;
  }

  /** Take a lease out of the table (so nothing else can use it), or undefined when the token is stale. */
  take(ref: LeaseRef): Lease | undefined {
    const lease = this.#find(ref);
    if (!lease) return undefined;
    clearTimeout(lease.timer);
    this.#leases.delete(lease.token);
    return lease;
  }

  /** Push a lease's end to `leaseMs` from now; false when the token is stale. */
  extend(ref: LeaseRef, leaseMs: number): boolean {
    const lease = this.#find(ref);
    if (!lease) return false;
    clearTimeout(lease.timer);
    lease.leaseUntil = Date.now() + leaseMs;
    lease.timer = this.#arm(lease, leaseMs);
    return true;
  }

  /** Forget every lease of a channel the broker closed (it has requeued their deliveries). */
  dropChannel(channel: Channel): void {
    for (const [token, l] of this.#leases) {
      if (l.channel !== channel) continue;
      clearTimeout(l.timer);
      this.#leases.delete(token);
    }
  }

  /** Take every lease (closing the client). */
  takeAll(): Lease[] {
    const all = [...this.#leases.values()];
    for (const l of all) clearTimeout(l.timer);
    this.#leases.clear();
    return all;
  }

  #find(ref: LeaseRef): Lease | undefined {
    const lease = this.#leases.get(ref.token);
    if (!lease || lease.queue !== ref.queue || lease.message.id !== ref.id) return undefined;
    return lease;
  }

  #arm(lease: Lease, ms: number): NodeJS.Timeout {
    return setTimeout(() => {
      if (this.#leases.get(lease.token) !== lease) return;
      this.#leases.delete(lease.token);
      this.expire(lease);
    }, Math.max(0, ms));
  }
}
