import type { Message } from '@wrkr/core/backend';
import { H, toAmqp } from './amqp-message';
import type { CommandContext, Publish } from './coordinator-commands';
import type { CoordinatorState, DelayedEntry, StickyHold } from './coordinator-state';
import { randomToken } from './ids';

/**
 * Sticky leases live in the coordinator, not in a client. The claiming client moves the item out of the
 * broker queue into a coordinator entry (journalled with the item itself) and acks its delivery; from
 * then on every re-claim, extend, ack and nack of that lease is a command, so any client can serve the
 * worker. The entry's carrier (a delayed carrier with the hold's header) writes the item back to its
 * queue when the lease ends, exactly like a lease handed over by a closing client.
 */

/** What a sticky claim returns: a new lease of the item. */
export interface StickyGrant {
  readonly message: Message;
  readonly token: string;
  readonly attempt: number;
  readonly leaseUntil: number;
}

// Client tokens are base64url with a dot; this mark cannot start one, so a plain ack never asks the coordinator.
const MARK = '~';

/** True for a token of a sticky lease (the coordinator's), false for a token of a lease held by a client. */
export function isStickyToken(token: string): boolean {
  return token.charCodeAt(0) === 126;
}

/** The hold a sticky token belongs to, so ack/nack/extend find the entry by key, without a scan. */
function holdOf(token: string): string {
  const dot = token.indexOf('.');
  return token.slice(MARK.length, dot < 0 ? token.length : dot);
}

/** Key of a sticky entry: one per hold, so a hold never shares a key with a delayed item or an earlier hold of the same item. */
export function stickyKey(queue: string, id: string, hold: string): string {
  return `s|${queue}|${id}|${hold}`;
}

/** Key of a sticky entry named by a lease reference's token. */
export function stickyKeyOf(queue: string, id: string, token: string): string {
  return stickyKey(queue, id, holdOf(token));
}

/**
 * Which entry each holder's latest hold is, per queue. Not journalled: rebuilt from the entries when a
 * coordinator loads the state, and every lookup checks the entry still exists, is that holder's, and is
 * live, so an entry that ended (acked, nacked, expired, released by its timer) is never handed out.
 */
export class StickyHolders {
  readonly #keys = new Map<string, string>();

  /** The index of the sticky entries in a loaded state. */
  constructor(state: CoordinatorState) {
    for (const [key, e] of Object.entries(state.delayed)) if (e.sticky && e.queue !== undefined) this.#keys.set(slot(e.queue, e.sticky.holder), key);
  }

  /** The live sticky entry `holder` holds in `queue`, with its key. */
  live(state: CoordinatorState, queue: string, holder: string, now: number): { key: string; entry: DelayedEntry & { sticky: StickyHold } } | undefined {
    const s = slot(queue, holder);
    const key = this.#keys.get(s);
    if (key === undefined) return undefined;
    const entry = state.delayed[key];
    if (entry?.sticky?.holder === holder && entry.dueAt > now) return { key, entry: entry as DelayedEntry & { sticky: StickyHold } };
    if (!entry) this.#keys.delete(s);
    return undefined;
  }

  /** Record `key` as the holder's latest hold in `queue`. */
  set(queue: string, holder: string, key: string): void {
    this.#keys.set(slot(queue, holder), key);
  }
}

function slot(queue: string, holder: string): string {
  return `${queue}\n${holder}`;
}

/** Store a sticky entry (new, renewed or extended) and publish its carrier, due when the lease ends. */
export function putSticky(state: CoordinatorState, key: string, queue: string, leaseUntil: number, sticky: StickyHold, ctx: CommandContext): void {
  const { message } = sticky;
  const nonce = randomToken();
  ctx.journal.setDelayed(state, key, { id: message.id, nonce, dueAt: leaseUntil, queue, name: message.name, ...(message.tid !== undefined ? { tid: message.tid } : {}), lease: true, sticky });
  // The carrier's prior is this lease's attempt: written back at the end, the next delivery counts one more.
  const extra = { [H.dueAt]: leaseUntil, [H.nonce]: nonce, [H.prior]: sticky.attempt, [H.target]: queue, [H.hold]: sticky.hold };
  const { content, options } = toAmqp(message, extra, sticky.priority);
  ctx.publishes.push({ ...ctx.carrierRoute(leaseUntil - ctx.now), content, options });
}

/** A new hold of an item a client just took from the broker queue for `holder`. */
export function newHold(holder: string, message: Message, attempt: number, priority: number | undefined): StickyHold {
  const hold = randomToken();
  return { holder, hold, token: newToken(hold), attempt, message, ...(priority ? { priority } : {}) };
}

/** The same hold under a new lease: a fresh token, one more delivery. */
export function reclaimed(sticky: StickyHold): StickyHold {
  return { ...sticky, token: newToken(sticky.hold), attempt: sticky.attempt + 1 };
}

/** The grant a claim returns for a stored hold. */
export function grant(sticky: StickyHold, leaseUntil: number): StickyGrant {
  return { message: sticky.message, token: sticky.token, attempt: sticky.attempt, leaseUntil };
}

/** A write of a held item straight back into its queue with `prior` deliveries counted. */
export function toQueue(ctx: CommandContext, queue: string, sticky: StickyHold, prior: number): Publish {
  const { content, options } = toAmqp(sticky.message, prior > 0 ? { [H.prior]: prior } : undefined, sticky.priority);
  // Through the direct exchange, so the copy is in the queue's shadow log too.
  return { exchange: ctx.names.direct, routingKey: queue, content, options };
}

function newToken(hold: string): string {
  return `${MARK}${hold}.${randomToken()}`;
}
