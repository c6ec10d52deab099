import { randomUUID } from 'node:crypto';
import type { KeyOutcome, Outgoing } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import { recentlyRouted, routingGuard } from './delayed-router';
import type { DelayedDoc, GuardDoc, StoredMessage } from './documents';
import { isDuplicateKey } from './errors';
import type { Guards } from './guards';
import type { QueueStore, Standing } from './queue-store';

/**
 * A job key held in one scope, or a throttle window. `_id` names the scope and the key: `q <queue> <key>`
 * (a queue), `p <key>` (the pending delayed publishes), `tq <queue> <key>` / `tp <key>` (throttle
 * windows); queue names hold no space, so these never collide. Inserting it is the compare-and-set
 * that admits a holder; it is never updated.
 */
export interface KeyDoc {
  _id: string;
  /** The queue of a queue scope (deleteQueue drops its keys). */
  q?: string;
  /** The holder's message id. */
  id?: string;
  /** The holder's item incarnation (queue scope). */
  c?: string;
  /** Generation: random per insert; the release marker names it, so one releaser per generation deletes it. */
  g: string;
  /** Throttle window end, epoch ms. */
  exp?: number;
  /** Epoch ms of the insert. */
  ts: number;
}

/**
 * A guard whose holder is not (or no longer) stored is taken for a leftover once this old: the holder's
 * client died between the guard insert and the item insert, or after the holder finished but before it
 * released the key. A live writer inserts its item one round trip after its guard.
 */
export const STALE_KEY_MS = 10_000;
/** Throttle windows ended this long ago are swept by housekeeping (far longer than a taker's read-to-release). */
const THROTTLE_SWEEP_AFTER_MS = 60_000;
/** Pause before looking again when another writer is between two steps on the same key. */
const CONTENDED_PAUSE_MS = 15;

/** A key's holder as a taker found it, and how to remove it when it is waiting (debounce). */
interface Holder {
  readonly state: Standing;
  readonly withdraw: () => Promise<boolean>;
}

/** What a key did to one item in one scope (without its index). */
type Outcome = Omit<KeyOutcome, 'index'>;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Job keys (dedupe, debounce, throttle) on servers whose only compare-and-sets are a unique `_id` insert
 * and a delete's count (FerretDB v1). A key guard is inserted before its holder; a holder that finished
 * (or a stale guard) is released by whoever wins the guard generation's release marker — a unique insert,
 * so only one client ever deletes a given guard and a delete cannot hit a newer guard of the same key.
 */
export class JobKeys {
  /** Release markers this instance is writing now (a second release of one generation waits for none and loses). */
  readonly #releasing = new Set<string>();

  constructor(
    private readonly keys: Collection<KeyDoc>,
    private readonly guardDocs: Collection<GuardDoc>,
    private readonly routing: Guards,
    private readonly delayed: Collection<DelayedDoc>,
    private readonly instance: string,
  ) {}

  /** Add one keyed message to a queue (a send, or an undelayed publish reaching it) as its mode says. */
  async addToQueue(store: QueueStore, o: Outgoing, m: StoredMessage, at: number): Promise<Outcome> {
    const queue = store.queue;
    const key = o.key!;
    if (o.keyMode === 'throttle') {
      if (!(await this.#openWindow(`tq ${queue} ${key}`, o.keyTtlMs!, queue))) return { queue, outcome: 'throttled' };
      return (await store.add([{ m, at }])) === 1 ? { queue, outcome: 'added' } : { queue, outcome: 'deduped', id: m.id };
    }
    const mine: KeyDoc = { _id: `q ${queue} ${key}`, q: queue, id: m.id, c: randomUUID(), g: randomUUID(), ts: Date.now() };
    const taken = await this.#take(mine, o.keyMode === 'debounce', (g) => this.#standingInQueue(store, g));
    if (taken.outcome === 'deduped') return { queue, ...taken };
    if ((await store.add([{ m, at, c: mine.c, k: key }])) === 0) {
      await this.release(mine);
      return { queue, outcome: 'deduped', id: m.id };
    }
    // A taker that found the guard before the item and took it for stale: this item is the extra one.
    if (!this.#slow(mine)) return { queue, ...taken };
    const current = await this.keys.findOne({ _id: mine._id });
    if (current?.g !== mine.g && (await this.#withdrawOwn(store, m.id, mine.c!))) return { queue, outcome: 'deduped', ...(current?.id !== undefined && { id: current.id }) };
    return { queue, ...taken };
  }

  /** Store one keyed delayed publish as its mode says, among the pending publishes; undefined when its id is already stored. */
  async addPending(o: Outgoing, doc: DelayedDoc): Promise<Outcome | undefined> {
    const key = o.key!;
    if (o.keyMode === 'throttle') {
      if (!(await this.#openWindow(`tp ${key}`, o.keyTtlMs!))) return { outcome: 'throttled' };
      return (await this.#insertDelayed(doc)) ? { outcome: 'added' } : undefined;
    }
    const mine: KeyDoc = { _id: `p ${key}`, id: doc._id, g: randomUUID(), ts: Date.now() };
    const taken = await this.#take(mine, o.keyMode === 'debounce', (g) => this.#standingPending(g));
    if (taken.outcome === 'deduped') return taken;
    if (!(await this.#insertDelayed({ ...doc, k: key }))) {
      await this.release(mine);
      return undefined;
    }
    if (!this.#slow(mine)) return taken;
    const current = await this.keys.findOne({ _id: mine._id });
    if (current?.g !== mine.g && (await this.#withdrawPending(doc._id))) return { outcome: 'deduped', ...(current?.id !== undefined && { id: current.id }) };
    return taken;
  }

  /** Release the key a queue item held (acked, failed, cancelled), if its guard still names that item. */
  async releaseItem(queue: string, key: string, id: string, c: string): Promise<void> {
    const g = await this.keys.findOne({ _id: `q ${queue} ${key}` });
    if (g !== null && g.id === id && g.c === c) await this.release(g);
  }

  /** Release the key a delayed publish held (routed, cancelled), if its guard still names it. */
  async releasePending(key: string, id: string): Promise<void> {
    const g = await this.keys.findOne({ _id: `p ${key}` });
    if (g !== null && g.id === id) await this.release(g);
  }

  /**
   * Delete one guard generation. The release marker `x~<guard>~<generation>` is a unique insert: of the
   * clients releasing it at once (an ack, a taker finding the holder finished, housekeeping) one wins and
   * deletes it; the others get false. A marker of this instance (a retry after a lost reply) is its own.
   */
  async release(g: KeyDoc): Promise<boolean> {
    const marker = `x~${g._id}~${g.g}`;
    if (this.#releasing.has(marker)) return false;
    this.#releasing.add(marker);
    try {
      try {
        await this.guardDocs.insertOne({ _id: marker, inst: this.instance, ts: Date.now() });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        if ((await this.guardDocs.findOne({ _id: marker }))?.inst !== this.instance) return false;
      }
      await this.keys.deleteOne({ _id: g._id, g: g.g });
      return true;
    } finally {
      this.#releasing.delete(marker);
    }
  }

  /** Drop the keys and throttle windows of a deleted queue. */
  async dropQueue(queue: string): Promise<void> {
    await this.keys.deleteMany({ q: queue });
  }

  /** Delete throttle windows that ended long ago (a stream of distinct keys would otherwise grow the collection). */
  async sweep(now: number): Promise<void> {
    for (const g of await this.keys.find({ exp: { $lt: now - THROTTLE_SWEEP_AFTER_MS } }).limit(1000).toArray()) await this.release(g);
  }

  /**
   * Take the guard `mine` for a dedupe or debounce: returns `added`, `replaced` (debounce removed the
   * waiting holder) or `deduped` (a live holder keeps the key). A holder that finished, or a stale guard,
   * is released and the insert tried again; a debounce withdraws a waiting holder first and takes the key
   * from one in flight.
   */
  async #take(mine: KeyDoc, debounce: boolean, standing: (g: KeyDoc) => Promise<Holder>): Promise<Outcome> {
    let replaced: string | undefined;
    for (;;) {
      // Stamped at each try: a debounce may have waited for the holder, and the age is what takers judge.
      mine.ts = Date.now();
      const g = await this.#insert(mine);
      if (g === true) return replaced === undefined ? { outcome: 'added' } : { outcome: 'replaced', id: replaced };
      if (g === null) continue;
      const { state, withdraw } = await standing(g);
      const stale = state === 'missing' && Date.now() - g.ts > STALE_KEY_MS;
      if (state === 'finished' || stale) {
        if (!(await this.release(g))) await pause(CONTENDED_PAUSE_MS);
        continue;
      }
      if (!debounce) return { outcome: 'deduped', ...(g.id !== undefined && { id: g.id }) };
      if (state === 'missing') {
        // Its writer is between the guard and the item: once the item is there it can be withdrawn.
        await pause(CONTENDED_PAUSE_MS);
      } else if (state === 'waiting') {
        if (!(await withdraw())) continue;
        replaced ??= g.id;
        // Released here at once: once the removal deletes the withdrawn item, its guard would look like one still arriving.
        await this.release(g);
      } else if (!(await this.release(g))) {
        // In flight: it keeps running and the new item takes the key.
        await pause(CONTENDED_PAUSE_MS);
      }
    }
  }

  /** Open a throttle window unless one is open: true when this call opened it. */
  async #openWindow(id: string, ttlMs: number, queue?: string): Promise<boolean> {
    for (;;) {
      const now = Date.now();
      const g = await this.#insert({ _id: id, ...(queue !== undefined && { q: queue }), g: randomUUID(), exp: now + ttlMs, ts: now });
      if (g === true) return true;
      if (g === null) continue;
      if (g.exp! > Date.now()) return false;
      if (!(await this.release(g))) await pause(CONTENDED_PAUSE_MS);
    }
  }

  /**
   * True when the holder's insert came so late after its guard that a taker may have judged the guard
   * stale (half the stale age, leaving the other half for clock skew between clients); only then is the
   * guard read again.
   */
  #slow(mine: KeyDoc): boolean {
    return Date.now() - mine.ts > STALE_KEY_MS / 2;
  }

  /** Insert a guard: true when this call holds it, else the guard found instead (null: gone meanwhile). */
  async #insert(doc: KeyDoc): Promise<true | KeyDoc | null> {
    try {
      await this.keys.insertOne(doc);
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const found = await this.keys.findOne({ _id: doc._id });
      // A retry after a lost reply finds its own generation.
      return found?.g === doc.g ? true : found;
    }
  }

  async #standingInQueue(store: QueueStore, g: KeyDoc): Promise<Holder> {
    if (g.id === undefined || g.c === undefined) return { state: 'missing', withdraw: () => Promise.resolve(false) };
    const { state, last } = await store.standing(g.id, g.c);
    return { state, withdraw: () => store.withdraw(g.id!, g.c!, last) };
  }

  /** This writer's own item, found extra after its insert: withdrawn unless a claim took it first. */
  async #withdrawOwn(store: QueueStore, id: string, c: string): Promise<boolean> {
    const { state, last } = await store.standing(id, c);
    return state === 'waiting' && (await store.withdraw(id, c, last));
  }

  /** A pending publish is waiting until due; due (or being routed), it is as good as in flight. */
  async #standingPending(g: KeyDoc): Promise<Holder> {
    const doc = g.id === undefined ? null : await this.delayed.findOne({ _id: g.id }, { projection: { at: 1 } });
    const withdraw = (): Promise<boolean> => this.#withdrawPending(g.id!);
    if (doc === null) return { state: 'missing', withdraw };
    const now = Date.now();
    return { state: doc.at > now && (await recentlyRouted(this.guardDocs, [doc._id], now)).size === 0 ? 'waiting' : 'leased', withdraw };
  }

  /** Remove a pending publish no router is delivering: the same routing guard `cancel` takes. */
  async #withdrawPending(id: string): Promise<boolean> {
    const now = Date.now();
    const doc = await this.delayed.findOne({ _id: id }, { projection: { at: 1 } });
    if (doc === null || doc.at <= now || (await recentlyRouted(this.guardDocs, [id], now)).size > 0) return false;
    if (!(await this.routing.acquire(routingGuard(id, now)))) return false;
    return (await this.delayed.deleteOne({ _id: id })).deletedCount === 1;
  }

  async #insertDelayed(doc: DelayedDoc): Promise<boolean> {
    try {
      await this.delayed.insertOne(doc);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
}
