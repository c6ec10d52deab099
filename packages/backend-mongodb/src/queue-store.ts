import { randomUUID } from 'node:crypto';
import type { Delivery, FailureInfo, KeepCompleted, LeaseRef, QueueStats } from '@wrkr/core/backend';
import type { Collection, Filter } from 'mongodb';
import { loadMessage, storeFailure, type FailedDoc, type ItemDoc, type LeaseDoc, type StoredMessage } from './documents';
import { isDuplicateKey } from './errors';
import { groupOf } from './fair-groups';
import { ensureIndexes } from './indexes';
import { insertOnce } from './insert-once';
import { retryTransient } from './retry';

/** Id of the `n`-th lease-log entry of an item incarnation. */
export function leaseId(id: string, c: string, n: number): string {
  return `${id}~${c}~${n}`;
}

/** Key of an item incarnation. */
function incarnation(id: string, c: string): string {
  return `${id}~${c}`;
}

/** The newest log entry per item incarnation. */
function latestEntries(log: readonly LeaseDoc[]): Map<string, LeaseDoc> {
  const latest = new Map<string, LeaseDoc>();
  for (const e of log) {
    const k = incarnation(e.i, e.c);
    const cur = latest.get(k);
    if (cur === undefined || e.n > cur.n) latest.set(k, e);
  }
  return latest;
}

/** True while the entry keeps its item from being claimed. */
function blocks(e: LeaseDoc, now: number): boolean {
  return e.s === 'done' || e.s === 'failed' || e.u > now;
}

/** The fields of the entry a transition appends. */
type NextEntry = Pick<LeaseDoc, 's' | 't' | 'u' | 'a' | 'k' | 'r'> & { e?: FailureInfo; h?: string; y?: string; g?: string };

/** The live lease `holder` holds, from the newest entries of a log (the newest such lease, should a race have given it two). */
function heldByIn(latest: ReadonlyMap<string, LeaseDoc>, holder: string, now: number): LeaseDoc | undefined {
  let found: LeaseDoc | undefined;
  for (const e of latest.values()) {
    if (e.s === 'held' && e.h === holder && e.u > now && (found === undefined || e.ts > found.ts)) found = e;
  }
  return found;
}

/** Tries of a sticky re-claim whose next entry another transition of the same lease (an extend) took first. */
const RECLAIM_TRIES = 3;

/** A queued transition. */
interface Settle {
  readonly ref: LeaseRef;
  readonly next: (held: LeaseDoc, now: number) => NextEntry;
  readonly resolve: (held: LeaseDoc | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/** What a claim of a grouped queue takes into account: the groups in turn order and their limits. */
export interface GroupClaim {
  /** The groups holding items, the one whose turn it is first (FairGroups.order). */
  readonly order: readonly string[];
  /** At most this many live leases per group, across every client. */
  readonly concurrency?: number;
  /** Starts left in each group's rate window now (a first cut; groups not listed are not limited by it). */
  readonly room?: ReadonlyMap<string, number>;
}

/** What a claim attempt found. */
export interface ClaimResult {
  /** Leased items. */
  readonly deliveries: Delivery[];
  /** A grouped claim: the group of each delivery, in the same order. */
  readonly groups?: string[];
  /** A grouped claim: the groups it read and found without a ready item. */
  readonly empty?: string[];
  /** Epoch ms when an item of this queue becomes available next, as far as known (Infinity: none). */
  readonly nextAt: number;
  /** The holder's own item again (sticky pull): no new start, so no limit applies. */
  readonly again?: true;
}

/** Live leases in the newest entries of a log, and the earliest of their ends; `perGroup` the same per group of a grouped claim. */
function liveLeases(latest: ReadonlyMap<string, LeaseDoc>, now: number, except?: ReadonlySet<string>): { count: number; firstEnd: number; perGroup: Map<string, { count: number; firstEnd: number }> } {
  let count = 0;
  let firstEnd = Number.POSITIVE_INFINITY;
  const perGroup = new Map<string, { count: number; firstEnd: number }>();
  for (const e of latest.values()) {
    if (e.s !== 'held' || e.u <= now || except?.has(e.t)) continue;
    count++;
    firstEnd = Math.min(firstEnd, e.u);
    if (e.g === undefined) continue;
    const g = perGroup.get(e.g);
    perGroup.set(e.g, { count: (g?.count ?? 0) + 1, firstEnd: Math.min(g?.firstEnd ?? Number.POSITIVE_INFINITY, e.u) });
  }
  return { count, firstEnd, perGroup };
}

/** Items of several groups, one of each in turn (the groups in the order given), then the next of each. */
function roundRobin(perGroup: ReadonlyArray<readonly ItemDoc[]>): ItemDoc[] {
  const out: ItemDoc[] = [];
  for (let round = 0; perGroup.some((items) => items.length > round); round++) {
    for (const items of perGroup) if (items.length > round) out.push(items[round]!);
  }
  return out;
}

/** A message to add to a queue; a keyed one comes with the incarnation its key guard names. */
export interface NewItem {
  readonly m: StoredMessage;
  readonly at: number;
  readonly c?: string;
  readonly k?: string;
}

/** Where an item incarnation stands, for the job key it holds: gone, finished, in flight, or waiting (ready or delayed). */
export type Standing = 'missing' | 'finished' | 'leased' | 'waiting';

/** Called with the item incarnations whose final entry (done or failed) was written. */
export type Finished = (queue: string, items: ReadonlyArray<{ id: string; c: string }>) => void;

/**
 * One queue's storage: an item collection written once per message, and a lease log whose unique `_id`s
 * make every transition (claim, extend, ack, nack, cancel) a compare-and-set. Items are never updated,
 * only inserted and (after their final entry, in batches) deleted: FerretDB v1 on SQLite rewrites by a
 * full table scan, so per-item updates on a deep queue would cost O(depth).
 */
export class QueueStore {
  /** Latest entry number of leases this client extended, so the log walk starts there. */
  readonly #extended = new Map<string, number>();
  /**
   * The entry through which this client holds each lease it took or extended, by token: a transition of
   * such a lease inserts entry n+1 without reading the log first (the insert is the compare-and-set; on
   * a conflict the log is read as for any other token). Expired ones are dropped by the next claim.
   */
  readonly #own = new Map<string, LeaseDoc>();
  #pending: Settle[] = [];

  constructor(
    /** Queue name. */
    readonly queue: string,
    /** Pending messages. */
    readonly items: Collection<ItemDoc>,
    /** State changes of claimed items. */
    readonly leases: Collection<LeaseDoc>,
    private readonly failedStore: Collection<FailedDoc>,
    private readonly finished: Finished,
    /** Records on the queue's registry entry that a prioritised item was added. */
    private readonly markPrioritised: (queue: string) => Promise<void>,
    /** The queue's group `by` as this client knows it (undefined: not grouped); adds store each item's group. */
    private readonly groupBy: (queue: string) => Promise<string | undefined>,
    /**
     * Registers groups that may have a ready item from the time given (FairGroups.ready): an add's groups
     * (`needed`: a group left unregistered would not be served, so its failure fails the add), or the
     * group of a nacked or given-back item (a hint: a failure only delays it until claims look again).
     */
    private readonly groupsReady: (queue: string, from: ReadonlyMap<string, number>, needed: boolean) => Promise<void>,
    /**
     * True while the queue is registered. Read after transitions that skipped the log read: `deleteQueue`
     * unregisters the queue before it drops the collections, so an entry that landed after the drop is
     * seen here as void.
     */
    private readonly registered: () => Promise<boolean>,
  ) {}

  #groupIndex?: Promise<void>;

  /**
   * The index of grouped claims, `{ g: 1, at: 1 }`, created (once per client) when the queue is first
   * claimed as a grouped queue: plain queues never get it, so their inserts pay nothing for it.
   */
  ensureGroupIndex(): Promise<void> {
    this.#groupIndex ??= ensureIndexes(this.items, [{ key: { g: 1, at: 1 } }]).catch((err: unknown) => {
      this.#groupIndex = undefined;
      throw err;
    });
    return this.#groupIndex;
  }

  /** Create the indexes the queue's queries use (idempotent). */
  async ensureIndexes(): Promise<void> {
    // Sparse: only prioritised items are in it, so plain inserts pay nothing for it (FerretDB refuses partial indexes).
    await Promise.all([ensureIndexes(this.items, [{ key: { at: 1 } }, { key: { 'm.p': -1 }, options: { sparse: true } }]), ensureIndexes(this.leases, [{ key: { i: 1 } }])]);
  }

  /**
   * Insert messages (ready at `at`), skipping ids already pending. Returns how many were added. A keyed
   * entry brings its incarnation `c` (named by its key guard before the insert) and its key `k`.
   */
  async add(entries: readonly NewItem[]): Promise<number> {
    if (entries.length === 0) return 0;
    const added = await this.#insert(entries);
    // After the insert: a claim that read the registry before this sees the item on its next pass (the wake-up follows).
    if (entries.some((e) => e.m.p !== undefined)) await this.markPrioritised(this.queue);
    return added;
  }

  /** Insert, each item with its group when the queue is grouped; its groups are registered after the items. */
  async #insert(entries: readonly NewItem[]): Promise<number> {
    const by = await this.groupBy(this.queue);
    const docs: ItemDoc[] = entries.map(({ m, at, c, k }) => ({ _id: m.id, c: c ?? randomUUID(), at, m, ...(k !== undefined && { k }), ...(by !== undefined && { g: groupOf(m, by) }) }));
    const added = await this.#insertDocs(docs);
    if (by !== undefined) {
      const from = new Map<string, number>();
      for (const d of docs) from.set(d.g!, Math.min(from.get(d.g!) ?? Number.POSITIVE_INFINITY, d.at));
      await this.groupsReady(this.queue, from, true);
    }
    return added;
  }

  async #insertDocs(docs: readonly ItemDoc[]): Promise<number> {
    // An item stored with this incarnation is this add's own (a retry met the part its failed try wrote).
    const dups = await insertOnce(this.items, docs, (stored, doc) => stored.c === doc.c);
    if (dups.size === 0) return docs.length;
    // An id whose earlier item is finished (acked, failed, cancelled) but not yet removed is not pending:
    // remove that item now and add the new one.
    let added = docs.length - dups.size;
    for (const k of dups) {
      const doc = docs[k]!;
      const finished = await this.finalEntryOf(doc._id);
      if (finished === undefined) continue;
      await this.remove([finished]);
      try {
        await this.items.insertOne(doc);
        added++;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    return added;
  }

  /**
   * Lease up to `max` available items, highest priority first; `prioritised`: the queue's registry mark
   * is set. With a `holder` (max 1) that still holds a live lease, that item again under a new lease.
   * With a `concurrency` limit, never more live leases than that across every client (see `#admit`).
   * With `groups` (a grouped queue), items are taken from the groups in turn order, one of each in turn,
   * each group held to its concurrency and rate room; the result names each delivery's group. Given as a
   * promise, the groups are read in parallel with the lease log.
   */
  async claim(max: number, leaseMs: number, prioritised: boolean, holder?: string, concurrency?: number, plan?: Promise<GroupClaim>, log?: Promise<LeaseDoc[]>): Promise<ClaimResult> {
    const now = Date.now();
    const [entries, groups] = await Promise.all([log ?? this.readLog(), plan]);
    const latest = latestEntries(entries);
    for (const [token, e] of this.#own) if (e.u <= now) this.#own.delete(token);
    if (holder !== undefined) {
      const held = heldByIn(latest, holder, now);
      const again = held && (await this.#reclaim(held, holder, leaseMs));
      if (again !== undefined) return { deliveries: [again], nextAt: Number.POSITIVE_INFINITY, again: true };
    }
    const live = liveLeases(latest, now);
    if (concurrency !== undefined) {
      // A first cut from this view; the count after the lease inserts decides (`#admit`).
      if (live.count >= concurrency) return { deliveries: [], nextAt: live.firstEnd };
      max = Math.min(max, concurrency - live.count);
    }
    let nextAt = Number.POSITIVE_INFINITY;
    const blocked: string[] = [];
    for (const e of latest.values()) {
      if (!blocks(e, now)) continue;
      blocked.push(e.i);
      if (e.s === 'held' || e.s === 'wait') nextAt = Math.min(nextAt, e.u);
    }
    const filter: Filter<ItemDoc> = blocked.length > 0 ? { at: { $lte: now }, _id: { $nin: blocked } } : { at: { $lte: now } };
    let candidates: ItemDoc[];
    let caps: Map<string, number> | undefined;
    let empty: string[] | undefined;
    if (groups === undefined) candidates = await this.#candidates(filter, max * 2 + 4, prioritised);
    else {
      const fair = await this.#fairCandidates(filter, max, prioritised, groups, live.perGroup);
      candidates = fair.items;
      caps = fair.caps;
      empty = fair.empty;
      nextAt = Math.min(nextAt, fair.nextAt);
    }
    const deliveries: Delivery[] = [];
    const groupOfDelivery: string[] = [];
    const taken = new Map<string, number>();
    const void_: string[] = [];
    for (let i = 0; i < candidates.length && deliveries.length < max; ) {
      const batch: ItemDoc[] = [];
      const inBatch = new Map<string, number>();
      while (i < candidates.length && batch.length < max - deliveries.length) {
        const item = candidates[i++]!;
        if (caps !== undefined) {
          // A group's cap counts what this claim already won of it and what this batch asks for.
          const used = (taken.get(item.g!) ?? 0) + (inBatch.get(item.g!) ?? 0);
          if (used >= (caps.get(item.g!) ?? 0)) continue;
          inBatch.set(item.g!, (inBatch.get(item.g!) ?? 0) + 1);
        }
        batch.push(item);
      }
      if (batch.length === 0) break;
      const docs = batch.map((item): LeaseDoc => {
        const prev = latest.get(incarnation(item._id, item.c));
        const n = (prev?.n ?? 0) + 1;
        return { _id: leaseId(item._id, item.c, n), i: item._id, c: item.c, n, s: 'held', t: `${item.c}:${n}:${randomUUID()}`, u: now + leaseMs, a: (prev?.a ?? 0) + 1, ...(holder !== undefined && { h: holder }), ...(item.k !== undefined && { y: item.k }), ...(item.g !== undefined && { g: item.g }), ts: now };
      });
      // A lease token is issued once, so an entry stored with this one is this claim's own.
      const lost = await insertOnce(this.leases, docs, (stored, doc) => stored.t === doc.t);
      const won = batch.filter((_, k) => !lost.has(k));
      const alive = await this.#stillStored(won);
      docs.forEach((d, k) => {
        const item = batch[k]!;
        if (lost.has(k)) return;
        if (!alive.has(incarnation(item._id, item.c))) {
          void_.push(d._id);
          return;
        }
        deliveries.push({ queue: this.queue, message: loadMessage(item.m), token: d.t, attempt: d.a, leaseUntil: d.u });
        this.#own.set(d.t, d);
        if (caps === undefined) return;
        groupOfDelivery.push(item.g!);
        taken.set(item.g!, (taken.get(item.g!) ?? 0) + 1);
      });
    }
    if (void_.length > 0) await this.leases.deleteMany({ _id: { $in: void_ } });
    const ofGroups = groups === undefined ? undefined : groupOfDelivery;
    const found = { ...(empty !== undefined && { empty }) };
    if ((concurrency !== undefined || groups?.concurrency !== undefined) && deliveries.length > 0) return { ...(await this.#admit(deliveries, ofGroups, now, concurrency, groups?.concurrency)), ...found };
    if (deliveries.length === 0 && candidates.length === 0) {
      const [next] = await this.items.find({ at: { $gt: now } }, { projection: { at: 1 } }).sort({ at: 1 }).limit(1).toArray();
      if (next) nextAt = Math.min(nextAt, next.at);
    }
    return { deliveries, nextAt, ...(ofGroups !== undefined && { groups: ofGroups }), ...found };
  }

  /** Up to `want` claimable items matching `filter`: prioritised ones first (when the queue has any), then level 0. */
  async #candidates(filter: Filter<ItemDoc>, want: number, prioritised: boolean): Promise<ItemDoc[]> {
    // Prioritised items first, sorted (they are few: the sparse { 'm.p': -1 } index holds only them).
    const urgent = prioritised ? await this.items.find({ ...filter, 'm.p': { $gt: 0 } }).sort({ 'm.p': -1, at: 1, _id: 1 }).limit(want).toArray() : [];
    // Then level 0 without a sort: MongoDB walks the { at: 1 } (or { g: 1, at: 1 }) index in order anyway, and FerretDB v1 would
    // sort the whole collection in memory; without one it reads from the front of the table and stops at the limit.
    const plainFilter: Filter<ItemDoc> = prioritised ? { ...filter, 'm.p': { $exists: false } } : filter;
    const plain = urgent.length < want ? await this.items.find(plainFilter).limit(want - urgent.length).toArray() : [];
    return [...urgent, ...plain];
  }

  /**
   * Candidates of a grouped claim: each group in turn order gets a cap (this claim's `max`, what its
   * concurrency leaves beside its live leases, its rate room); groups with room are read in turn order,
   * as many at once as items are still wanted, until `max` of them offered an item (on FerretDB v1 each
   * read of a group scans the item table, so groups after those are not read), and their items are
   * interleaved one of each in turn. A group held back by its concurrency contributes its first lease
   * end to `nextAt`; the groups read without a result are returned as `empty`.
   */
  async #fairCandidates(filter: Filter<ItemDoc>, max: number, prioritised: boolean, groups: GroupClaim, live: ReadonlyMap<string, { count: number; firstEnd: number }>): Promise<{ items: ItemDoc[]; caps: Map<string, number>; nextAt: number; empty: string[] }> {
    let nextAt = Number.POSITIVE_INFINITY;
    const caps = new Map<string, number>();
    for (const g of groups.order) {
      let cap = Math.min(max, groups.room?.get(g) ?? max);
      const held = live.get(g);
      if (groups.concurrency !== undefined) {
        cap = Math.min(cap, groups.concurrency - (held?.count ?? 0));
        if (held !== undefined && held.count >= groups.concurrency) nextAt = Math.min(nextAt, held.firstEnd);
      }
      if (cap > 0) caps.set(g, cap);
    }
    const open = [...caps.keys()];
    const found: ItemDoc[][] = [];
    const empty: string[] = [];
    for (let i = 0, offered = 0; i < open.length && offered < max; ) {
      const batch = open.slice(i, i + max - offered);
      i += batch.length;
      const got = await Promise.all(batch.map((g) => this.#candidates({ ...filter, g }, caps.get(g)! * 2 + 2, prioritised)));
      got.forEach((items, k) => {
        if (items.length === 0) empty.push(batch[k]!);
        else offered++;
      });
      found.push(...got);
    }
    return { items: roundRobin(found), caps, nextAt, empty };
  }

  /**
   * Keep as many of these new leases as `concurrency` allows beside the live leases of others, read from
   * the log after this claim's inserts, and as many of each group's as `groupConcurrency` allows beside
   * that group's; give the rest back (released: no attempt used). Of two racing claims the one reading
   * later sees the other's leases, so together they never exceed a limit; both may give back (a slot
   * left unused until the next claim), never both keep.
   */
  async #admit(deliveries: Delivery[], groups: readonly string[] | undefined, now: number, concurrency?: number, groupConcurrency?: number): Promise<ClaimResult> {
    const mine = new Set(deliveries.map((d) => d.token));
    const others = liveLeases(latestEntries(await this.leases.find({}).toArray()), now, mine);
    const kept: number[] = [];
    const back: Delivery[] = [];
    const perGroup = new Map<string, number>();
    deliveries.forEach((d, k) => {
      const g = groups?.[k];
      const groupFull = g !== undefined && groupConcurrency !== undefined && (perGroup.get(g) ?? 0) + (others.perGroup.get(g)?.count ?? 0) >= groupConcurrency;
      const queueFull = concurrency !== undefined && kept.length + others.count >= concurrency;
      if (groupFull || queueFull) {
        back.push(d);
        return;
      }
      kept.push(k);
      if (g !== undefined) perGroup.set(g, (perGroup.get(g) ?? 0) + 1);
    });
    await this.giveBack(back);
    return { deliveries: kept.map((k) => deliveries[k]!), nextAt: others.firstEnd, ...(groups !== undefined && { groups: kept.map((k) => groups[k]!) }) };
  }

  /** Release leases a limit did not let start: they are ready again, with their attempt not counted. */
  async giveBack(deliveries: readonly Delivery[]): Promise<void> {
    await Promise.all(deliveries.map((d) => this.retry({ queue: this.queue, id: d.message.id, token: d.token }, 0, undefined, true)));
  }

  /**
   * A new lease of the item `holder` holds through `held`: entry n+1 with a fresh token (so the old one
   * is stale) — the same unique-`_id` compare-and-set as every transition, so an ack, a nack or a claim
   * after expiry that came first wins and this returns undefined. Lost to an extend of the same lease, it
   * re-reads the item's log and tries again while the holder still holds it.
   */
  async #reclaim(held: LeaseDoc, holder: string, leaseMs: number): Promise<Delivery | undefined> {
    let cur: LeaseDoc | undefined = held;
    for (let tries = 0; cur !== undefined && tries < RECLAIM_TRIES; tries++) {
      const now = Date.now();
      const n = cur.n + 1;
      const doc: LeaseDoc = { _id: leaseId(cur.i, cur.c, n), i: cur.i, c: cur.c, n, s: 'held', t: `${cur.c}:${n}:${randomUUID()}`, u: now + leaseMs, a: cur.a + 1, h: holder, ...(cur.y !== undefined && { y: cur.y }), ...(cur.g !== undefined && { g: cur.g }), ts: now };
      try {
        await this.leases.insertOne(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        cur = heldByIn(latestEntries(await this.leases.find({ i: cur.i, c: cur.c }).toArray()), holder, Date.now());
        continue;
      }
      const item = await this.items.findOne({ _id: doc.i, c: doc.c });
      if (item === null) {
        // Removed underneath (deleteQueue): the lease is void, as in `claim`.
        await this.leases.deleteOne({ _id: doc._id });
        return undefined;
      }
      this.#own.set(doc.t, doc);
      return { queue: this.queue, message: loadMessage(item.m), token: doc.t, attempt: doc.a, leaseUntil: doc.u };
    }
    return undefined;
  }

  /** The whole lease log (what a claim reads first); the backend may start it beside its own reads of the claim. */
  readLog(): Promise<LeaseDoc[]> {
    return this.leases.find({}).toArray();
  }

  /** The live lease `holder` holds on an item of this queue. */
  async heldBy(holder: string): Promise<LeaseRef | undefined> {
    const held = heldByIn(latestEntries(await this.leases.find({}).toArray()), holder, Date.now());
    return held && { queue: this.queue, id: held.i, token: held.t };
  }

  /**
   * Which of these just-leased incarnations are still stored. A claimer whose view predates an item's
   * removal can win entry 1 again once the removed item's log is deleted; removal deletes the item
   * before its log, so reading the item after winning tells a real lease from such a void one.
   */
  async #stillStored(items: readonly ItemDoc[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const found = await this.items.find({ _id: { $in: items.map((i) => i._id) } }, { projection: { c: 1 } }).limit(items.length).toArray();
    return new Set(found.map((d) => incarnation(d._id, d.c)));
  }

  /**
   * Append the entry after the one through which `ref` holds a live lease; resolves with that held
   * entry, or undefined when the lease is no longer held (or another transition came first). Calls of
   * one tick share their round trips: FerretDB v1 serialises single writes, so fifty acks cost about
   * fifty times one, while one insertMany of fifty entries costs about one.
   */
  #settle(ref: LeaseRef, next: (held: LeaseDoc, now: number) => NextEntry): Promise<LeaseDoc | undefined> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ ref, next, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#settleBatch());
    });
  }

  async #settleBatch(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    try {
      // Leases this client holds through a live entry it wrote skip the log read; the rest, and those whose
      // next entry someone else wrote meanwhile (an extend by another client, a claim after expiry), read it.
      const now = Date.now();
      const fast: Settle[] = [];
      const remembered: LeaseDoc[] = [];
      const rest: Settle[] = [];
      for (const req of batch) {
        const e = this.#own.get(req.ref.token);
        if (e?.i === req.ref.id && e.u > now) {
          fast.push(req);
          remembered.push(e);
        } else rest.push(req);
      }
      if (fast.length > 0) rest.push(...(await this.#transition(fast, remembered, true)));
      if (rest.length > 0) await this.#transition(rest, await this.#heldEntries(rest.map((r) => r.ref)), false);
    } catch (err) {
      for (const req of batch) req.reject(err);
    }
  }

  /**
   * Append entry n+1 after each request's held entry and resolve the requests. `unread`: the held entries
   * come from this client's memory, not from a read of the log; the requests whose entry someone else
   * wrote first are returned (to be retried from a read) instead of resolved.
   */
  async #transition(reqs: readonly Settle[], held: ReadonlyArray<LeaseDoc | undefined>, unread: boolean): Promise<Settle[]> {
    const now = Date.now();
    const docs: Array<{ req: Settle; held: LeaseDoc; doc: LeaseDoc }> = [];
    const conflicted: Settle[] = [];
    reqs.forEach((req, k) => {
      const h = held[k];
      if (h === undefined || h.t !== req.ref.token || h.s !== 'held' || h.u <= now) {
        // Remembered entries ending just now: another client may have extended the lease; the log says.
        if (unread) conflicted.push(req);
        else req.resolve(undefined);
        return;
      }
      const n = h.n + 1;
      docs.push({ req, held: h, doc: { _id: leaseId(h.i, h.c, n), i: h.i, c: h.c, n, ...req.next(h, now), ts: now, w: randomUUID() } });
    });
    if (docs.length === 0) return conflicted;
    const lost = await this.#append(docs.map((d) => d.doc));
    // Retried here: failing after the entries landed would answer an ack that happened with an error.
    if (unread && !(await retryTransient(() => this.registered()))) {
      // Deleted by another client: the entries that landed did so in a dropped (now re-created) log.
      const landed = docs.filter((_, k) => !lost.has(k)).map((d) => d.doc._id);
      if (landed.length > 0) await this.leases.deleteMany({ _id: { $in: landed } });
      for (const { req } of docs) {
        this.#own.delete(req.ref.token);
        req.resolve(undefined);
      }
      return conflicted;
    }
    docs.forEach(({ req, held: h, doc }, k) => {
      if (lost.has(k)) {
        this.#own.delete(req.ref.token);
        if (unread) conflicted.push(req);
        else req.resolve(undefined);
        return;
      }
      if (doc.s === 'held') {
        this.#extended.set(doc.t, doc.n);
        this.#own.set(doc.t, doc);
      } else {
        this.#extended.delete(doc.t);
        this.#own.delete(doc.t);
      }
      req.resolve(h);
    });
    return conflicted;
  }

  /**
   * Insert transition entries; returns the indexes of those another transition came before. An entry
   * found already there with this write's `w` is this write's own (see `insertOnce`): retrying from the
   * caller would instead find the item acked and answer false.
   */
  #append(docs: readonly LeaseDoc[]): Promise<Set<number>> {
    return insertOnce(this.leases, docs, (stored, doc) => stored.w === doc.w);
  }

  /**
   * The newest entry of each lease's log. A token names the entry it was issued with
   * (`<incarnation>:<n>:<random>`); extensions append entries with the same token, so each log is
   * walked forward from there, by `_id`, a round per step.
   */
  async #heldEntries(refs: readonly LeaseRef[]): Promise<Array<LeaseDoc | undefined>> {
    const out: Array<LeaseDoc | undefined> = refs.map(() => undefined);
    let walk = refs.flatMap((ref, k) => {
      const [c, first] = ref.token.split(':');
      const n = Math.max(Number(first), this.#extended.get(ref.token) ?? 0);
      return c !== undefined && Number.isSafeInteger(n) && n >= 1 ? [{ k, id: ref.id, c, n, seen: false }] : [];
    });
    while (walk.length > 0) {
      const ids = walk.flatMap((w) => (w.seen ? [leaseId(w.id, w.c, w.n + 1)] : [leaseId(w.id, w.c, w.n), leaseId(w.id, w.c, w.n + 1)]));
      const found = new Map((await this.leases.find({ _id: { $in: ids } }).toArray()).map((e) => [e._id, e]));
      const more: typeof walk = [];
      for (const w of walk) {
        if (!w.seen) {
          const first = found.get(leaseId(w.id, w.c, w.n));
          if (first === undefined) continue;
          out[w.k] = first;
        }
        const after = found.get(leaseId(w.id, w.c, w.n + 1));
        if (after !== undefined) {
          out[w.k] = after;
          more.push({ ...w, n: w.n + 1, seen: true });
        }
      }
      walk = more;
    }
    return out;
  }

  /** Remove a leased item; resolves with the held entry it finished (its `y` names the key to release), or undefined when the lease was lost. */
  async ack(ref: LeaseRef): Promise<LeaseDoc | undefined> {
    const held = await this.#settle(ref, (h) => ({ s: 'done', t: ref.token, u: 0, a: h.a }));
    if (held !== undefined) this.finished(this.queue, [{ id: held.i, c: held.c }]);
    return held;
  }

  /**
   * Complete a leased item that is to be kept: its final entry carries the retention and result, and
   * the caller records the completion before handing the item to removal. Resolves with the entry's
   * item incarnation and attempt, or undefined when the lease was lost.
   */
  async ackKept(ref: LeaseRef, keep: KeepCompleted): Promise<LeaseDoc | undefined> {
    const k = { n: keep.count, ms: keep.ageMs };
    return this.#settle(ref, (h) => ({ s: 'done', t: ref.token, u: 0, a: h.a, k, ...(keep.result !== undefined && { r: keep.result }) }));
  }

  /** Lease ends `leaseMs` from now. */
  async extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    return (await this.#settle(ref, (h, now) => ({ s: 'held', t: ref.token, u: now + leaseMs, a: h.a, ...(h.h !== undefined && { h: h.h }), ...(h.y !== undefined && { y: h.y }), ...(h.g !== undefined && { g: h.g }) }))) !== undefined;
  }

  /** Make a leased item available again at `dueAt`; `release` undoes the delivery's attempt. */
  async retry(ref: LeaseRef, dueAt: number, error: FailureInfo | undefined, release: boolean): Promise<boolean> {
    const e = error && storeFailure(error);
    const held = await this.#settle(ref, (h) => ({ s: 'wait', t: ref.token, u: dueAt, a: release ? h.a - 1 : h.a, ...(e && { e }) }));
    if (held?.g !== undefined) await this.groupsReady(this.queue, new Map([[held.g, Math.max(dueAt, Date.now())]]), false);
    return held !== undefined;
  }

  /** Move a leased item to the failed store; resolves with the held entry it finished, or undefined when the lease was lost. */
  async fail(ref: LeaseRef, error: FailureInfo): Promise<LeaseDoc | undefined> {
    const e = storeFailure(error);
    const held = await this.#settle(ref, (h) => ({ s: 'failed', t: ref.token, u: 0, a: h.a, e }));
    if (held === undefined) return undefined;
    await this.recordFailure(held.i, held.c, held.a, e);
    this.finished(this.queue, [{ id: held.i, c: held.c }]);
    return held;
  }

  /** Write the failed-store entry of an item whose final entry is `failed` (repeatable). */
  async recordFailure(id: string, c: string, attempt: number, error: FailureInfo): Promise<void> {
    const item = await this.items.findOne({ _id: id, c });
    if (item === null) return;
    const doc: FailedDoc = { _id: `${this.queue} ${id}`, q: this.queue, m: item.m, a: attempt, e: error, at: Date.now() };
    await this.failedStore.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  /** Cancel the item `id` when it is waiting for a due time (a delayed send, or a retry's backoff); resolves with the item cancelled. */
  async cancelDelayed(id: string): Promise<ItemDoc | undefined> {
    const now = Date.now();
    const item = await this.items.findOne({ _id: id });
    if (item === null) return undefined;
    const log = await this.leases.find({ i: id, c: item.c }).toArray();
    const last = latestEntries(log).get(incarnation(id, item.c));
    const token = randomUUID();
    if (last === undefined) {
      if (item.at <= now) return undefined;
      const first: LeaseDoc = { _id: leaseId(id, item.c, 1), i: id, c: item.c, n: 1, s: 'done', t: token, u: 0, a: 0, ts: now };
      try {
        await this.leases.insertOne(first);
      } catch (err) {
        if (isDuplicateKey(err)) return undefined;
        throw err;
      }
    } else {
      if (last.s !== 'wait' || last.u <= now) return undefined;
      const n = last.n + 1;
      try {
        await this.leases.insertOne({ _id: leaseId(id, item.c, n), i: id, c: item.c, n, s: 'done', t: token, u: 0, a: last.a, ts: now });
      } catch (err) {
        if (isDuplicateKey(err)) return undefined;
        throw err;
      }
    }
    this.finished(this.queue, [{ id, c: item.c }]);
    return item;
  }

  /**
   * Where the incarnation `c` of item `id` stands (the holder of a job key), with its newest lease-log
   * entry (for `withdraw`, which then needs no second read).
   */
  async standing(id: string, c: string): Promise<{ state: Standing; last?: LeaseDoc }> {
    const [item, log] = await Promise.all([this.items.findOne({ _id: id, c }, { projection: { c: 1 } }), this.leases.find({ i: id, c }).toArray()]);
    if (item === null) return { state: 'missing' };
    const last = latestEntries(log).get(incarnation(id, c));
    if (last === undefined) return { state: 'waiting' };
    if (last.s === 'done' || last.s === 'failed') return { state: 'finished', last };
    return { state: last.s === 'held' && last.u > Date.now() ? 'leased' : 'waiting', last };
  }

  /**
   * Remove the incarnation `c` of item `id`, seen waiting with newest entry `last` (a debounce replacing
   * it): entry n+1 is written `done`, the compare-and-set a claim of it would also take, so exactly one
   * of the two wins. True when this call removed it.
   */
  async withdraw(id: string, c: string, last: LeaseDoc | undefined): Promise<boolean> {
    const now = Date.now();
    const n = (last?.n ?? 0) + 1;
    try {
      await this.leases.insertOne({ _id: leaseId(id, c, n), i: id, c, n, s: 'done', t: randomUUID(), u: 0, a: last?.a ?? 0, ts: now });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    this.finished(this.queue, [{ id, c }]);
    return true;
  }

  /** Token and end of the item's current lease, when it is in flight. */
  async heldLease(id: string): Promise<{ token: string; until: number } | undefined> {
    const now = Date.now();
    for (const e of latestEntries(await this.leases.find({ i: id }).toArray()).values()) {
      if (e.s === 'held' && e.u > now) return { token: e.t, until: e.u };
    }
    return undefined;
  }

  /** Exact counts. */
  async stats(): Promise<QueueStats> {
    const now = Date.now();
    const latest = latestEntries(await this.leases.find({}).toArray());
    // Items with a log are classified one by one from a single read of them, and the counts cover only
    // the others: an item acked and removed between two reads can then be counted once or not at all
    // (it is gone), never as ready in one read and finished in another.
    const logged = [...new Set([...latest.values()].map((e) => e.i))];
    const unlogged: Filter<ItemDoc> = logged.length > 0 ? { _id: { $nin: logged } } : {};
    const [total, future, failed, present] = await Promise.all([
      this.items.countDocuments(unlogged),
      this.items.countDocuments({ ...unlogged, at: { $gt: now } }),
      this.failedStore.countDocuments({ q: this.queue }),
      logged.length === 0 ? Promise.resolve([]) : this.items.find({ _id: { $in: logged } }, { projection: { c: 1, at: 1 } }).toArray(),
    ]);
    let ready = total - future;
    let delayed = future;
    let inFlight = 0;
    for (const item of present) {
      // No entry of this incarnation: the id was added again after its earlier item's log was read.
      const e = latest.get(incarnation(item._id, item.c));
      if (e !== undefined && (e.s === 'done' || e.s === 'failed')) continue;
      if (e !== undefined && e.u > now) {
        if (e.s === 'held') inFlight++;
        else delayed++;
      } else if (item.at > now) delayed++;
      else ready++;
    }
    return { ready, delayed, inFlight, failed };
  }

  /** Final entries older than `before` whose item is still stored (a client stopped before deleting it). */
  async leftovers(before: number): Promise<LeaseDoc[]> {
    return this.leases.find({ s: { $in: ['done', 'failed'] }, ts: { $lt: before } }).toArray();
  }

  /** Delete finished item incarnations and their lease logs. */
  async remove(finished: ReadonlyArray<{ id: string; c: string }>): Promise<void> {
    if (finished.length === 0) return;
    const filter: Filter<ItemDoc> = { _id: { $in: finished.map((f) => f.id) }, c: { $in: finished.map((f) => f.c) } };
    await this.items.deleteMany(filter);
    await this.leases.deleteMany({ i: { $in: finished.map((f) => f.id) }, c: { $in: finished.map((f) => f.c) } });
  }

  /** True when an item incarnation is stored and its latest entry is final (so it can be removed now). */
  async finalEntryOf(id: string): Promise<{ id: string; c: string } | undefined> {
    const item = await this.items.findOne({ _id: id }, { projection: { c: 1 } });
    if (item === null) return undefined;
    const last = latestEntries(await this.leases.find({ i: id, c: item.c }).toArray()).get(incarnation(id, item.c));
    return last && (last.s === 'done' || last.s === 'failed') ? { id, c: item.c } : undefined;
  }
}
