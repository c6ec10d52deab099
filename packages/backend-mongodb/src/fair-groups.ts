import type { AnyBulkWriteOperation, Collection, Filter } from 'mongodb';
import type { GroupDoc, ItemDoc, StoredMessage } from './documents';
import { duplicateIndexes } from './errors';

/** Stale items read per adoption pass; passes per adoption at most (the rest is adopted by a later one). */
const ADOPT_BATCH = 1_000;
const ADOPT_PASSES = 50;
/**
 * How long after `by` changed items may still arrive grouped under the old `by` (or none): an add trusts
 * its client's view of `by` for a second (FlowLimits), and an add that read it just before the change
 * may land later still (a slow server, a retried write). Within this window claims adopt such items
 * every `ADOPT_EVERY_MS`, in the background.
 */
const STRAGGLER_WINDOW_MS = 15_000;
const ADOPT_EVERY_MS = 2_000;
/**
 * A group found without a ready item is not read again by claims for this long, unless an add, nack or
 * give-back marks it ready since. What nobody marks (a lease expiring, a hint lost to a racing update of
 * the group document) is found within this time.
 */
const EMPTY_RECHECK_MS = 2_000;
/** A group found empty this long ago, with nothing added since, leaves the registry (and the turn it had). */
const GROUP_RETENTION_MS = 10 * 60_000;
/** How long this client remembers its own turn stamps beside the registry (far longer than a stamp write takes). */
const STAMP_MEMORY_MS = 60_000;

/**
 * The stored group of a message under `by`: `<by>\n<value>`, the value `''` when the message has none.
 * The prefix makes a group of an earlier `by` a different group, so items grouped before `by` changed
 * are told apart by a range query (`staleFilter`) without a version field.
 */
export function groupOf(m: StoredMessage, by: string): string {
  const value = by === 'tid' ? m.tid : m.headers?.find((h) => h.k === by)?.v;
  return `${by}\n${value ?? ''}`;
}

/** True when a stored group is one under `by`. */
function isUnder(g: string, by: string): boolean {
  return g.startsWith(`${by}\n`);
}

/** Items grouped under another `by`, or under none (added while the queue was not grouped, or by a client whose view of `by` was stale). */
function staleFilter(by: string): Filter<ItemDoc> {
  // '\u000b' follows '\n': every `<by>\n<value>` lies in [`<by>\n`, `<by>\u000b`).
  return { $or: [{ g: { $exists: false } }, { g: { $lt: `${by}\n` } }, { g: { $gte: `${by}\u000b` } }] };
}

/** The group of a registry document. */
function groupName(queue: string, doc: GroupDoc): string {
  return doc._id.slice(queue.length + 1);
}

/** True while a group found empty has had nothing marked ready since (and the finding is recent). */
function presumedEmpty(doc: GroupDoc, now: number): boolean {
  if (doc.e === undefined || now - doc.e >= EMPTY_RECHECK_MS) return false;
  return !(doc.a !== undefined && doc.a > doc.e && doc.a <= now);
}

/**
 * Fair groups of grouped queues. Each item's group is stored on it (`g`); the groups are a registry of
 * one document per group (`<ns>.groups`), written by adds, nacks and give-backs (the group may have a
 * ready item from `a`), by claims that served it (its turn `t`) or found it without a ready item (`e`).
 * A claim reads the registry, not the items, to know the groups and their order: on FerretDB v1 any
 * query of items by group scans the whole table, so a claim reads only the groups it takes from and
 * those not presumed empty. Turns and hints are an order, not a limit: a lost or racing update bends the
 * order for a moment; the per-group limits are kept by the lease log and start documents, which are
 * compare-and-set (see the README, "Fair groups").
 */
export class FairGroups {
  readonly #adopting = new Map<string, Promise<void>>();
  /** Per queue: the `by` this client last adopted under, and when. */
  readonly #adopted = new Map<string, { by: string; at: number }>();
  /** The last turn this client stamped: stamps only grow here, so two claims in one millisecond keep their order. */
  #lastTurn = 0;
  /** Turns this client stamped lately, per queue and group: its next claims order by them before the write lands. */
  readonly #stamped = new Map<string, Map<string, number>>();
  /** Stamp writes under way (awaited at close). */
  readonly #writes = new Set<Promise<void>>();

  constructor(
    private readonly groups: Collection<GroupDoc>,
    /** Reports a background write that failed (`what` failed; a later claim does it again). */
    private readonly onError: (err: unknown, queue: string, what: string) => void,
  ) {}

  /**
   * Give items of the queue grouped under another `by` (or none) their group under `by`, and register
   * their groups. Awaited when this client has not adopted under this `by` yet (the first grouped claim
   * here, or `by` changed): an add groups its items itself when it knows `by`, so only items added before
   * the change, or by clients that had not seen it, are stale. For `STRAGGLER_WINDOW_MS` after the change
   * (`since`), adoption runs again in the background every `ADOPT_EVERY_MS`. One at a time per queue and `by` in this client.
   */
  async adopt(queue: string, items: Collection<ItemDoc>, by: string, since: number, now: number): Promise<void> {
    const last = this.#adopted.get(queue);
    if (last?.by === by && (now > since + STRAGGLER_WINDOW_MS || now - last.at < ADOPT_EVERY_MS)) return;
    this.#adopted.set(queue, { by, at: now });
    const key = `${queue}\n${by}`;
    let p = this.#adopting.get(key);
    if (p === undefined) {
      p = this.#adopt(queue, items, by).finally(() => this.#adopting.delete(key));
      this.#adopting.set(key, p);
    }
    if (last?.by !== by) {
      return p.catch((err: unknown) => {
        this.#adopted.delete(queue);
        throw err;
      });
    }
    p.catch((err: unknown) => this.onError(err, queue, 'adopting items into their groups'));
  }

  async #adopt(queue: string, items: Collection<ItemDoc>, by: string): Promise<void> {
    // Groups of another `by` are no longer served; their items are adopted below and registered anew.
    const others = (await this.groups.find({ q: queue }, { projection: { _id: 1 } }).toArray()).filter((d) => !isUnder(groupName(queue, d), by));
    if (others.length > 0) await this.groups.deleteMany({ _id: { $in: others.map((d) => d._id) } });
    for (let pass = 0; pass < ADOPT_PASSES; pass++) {
      const stale = await items.find(staleFilter(by), { projection: { c: 1, 'm.tid': 1, 'm.headers': 1 } }).limit(ADOPT_BATCH).toArray();
      if (stale.length === 0) return;
      const byGroup = new Map<string, ItemDoc[]>();
      for (const d of stale) {
        const g = groupOf(d.m, by);
        byGroup.set(g, [...(byGroup.get(g) ?? []), d]);
      }
      // By id and incarnation: an id added again since the read holds another message, and keeps its own group.
      const ops: Array<AnyBulkWriteOperation<ItemDoc>> = [...byGroup].map(([g, docs]) => ({
        updateMany: { filter: { _id: { $in: docs.map((d) => d._id) }, c: { $in: docs.map((d) => d.c) } }, update: { $set: { g } } },
      }));
      await items.bulkWrite(ops, { ordered: false });
      await this.ready(queue, new Map([...byGroup.keys()].map((g) => [g, Date.now()])));
      if (stale.length < ADOPT_BATCH) return;
    }
  }

  /**
   * Register groups and mark that each may have a ready item from the time given (an add, after its
   * items are written; a nack or give-back of an item of the group). Written after the items, so a claim
   * that reads the registry after this also finds them.
   */
  async ready(queue: string, from: ReadonlyMap<string, number>): Promise<void> {
    if (from.size === 0) return;
    // `updateMany` on an `_id` though it matches one document: FerretDB v1 keeps a matched `updateOne`
    // statement's cursor (and its SQLite connection) open until the whole command ends, so a bulk write
    // of 100 of them holds every connection and hangs the server (test/many-groups.test.ts); a multi
    // statement drains its cursor before the next one.
    const ops: Array<AnyBulkWriteOperation<GroupDoc>> = [...from].map(([g, a]) => ({
      updateMany: { filter: { _id: `${queue}\n${g}` }, update: { $set: { a }, $setOnInsert: { q: queue, t: 0 } }, upsert: true },
    }));
    try {
      await this.groups.bulkWrite(ops, { ordered: false });
    } catch (err) {
      // Two writers upserting one new group at once: one insert loses on the _id, the other's document stands.
      duplicateIndexes(err);
    }
  }

  /** The queue's registered groups under `by`, the oldest turn first (never served first; ties by name), leaving out those presumed empty. */
  async order(queue: string, by: string, now: number): Promise<string[]> {
    const docs = (await this.groups.find({ q: queue }).toArray()).filter((d) => isUnder(groupName(queue, d), by) && !presumedEmpty(d, now));
    const mine = this.#stamped.get(queue);
    for (const [g, t] of mine ?? []) if (t < now - STAMP_MEMORY_MS) mine!.delete(g);
    const turn = (d: GroupDoc): number => Math.max(d.t, mine?.get(groupName(queue, d)) ?? 0);
    docs.sort((x, y) => turn(x) - turn(y) || (x._id < y._id ? -1 : x._id > y._id ? 1 : 0));
    return docs.map((d) => groupName(queue, d));
  }

  /** Record that a claim found these groups without a ready item (claims skip them for a while). */
  async foundEmpty(queue: string, groups: readonly string[], now: number): Promise<void> {
    if (groups.length > 0) await this.groups.updateMany({ _id: { $in: groups.map((g) => `${queue}\n${g}`) } }, { $set: { e: now } });
  }

  /**
   * Stamp the groups a claim served, in the order served (so the next claim goes on from the one after).
   * Written in the background, so the claim does not wait for it: this client's next claims order by the
   * stamps it remembers, other clients' once the write lands.
   */
  served(queue: string, groups: readonly string[], now: number): void {
    if (groups.length === 0) return;
    let mine = this.#stamped.get(queue);
    if (mine === undefined) this.#stamped.set(queue, (mine = new Map<string, number>()));
    const ops: Array<AnyBulkWriteOperation<GroupDoc>> = groups.map((g) => {
      this.#lastTurn = Math.max(now, this.#lastTurn + 0.001);
      mine.set(g, this.#lastTurn);
      // `updateMany`: see `ready`.
      return { updateMany: { filter: { _id: `${queue}\n${g}` }, update: { $set: { t: this.#lastTurn }, $setOnInsert: { q: queue } }, upsert: true } };
    });
    const write: Promise<void> = this.groups
      .bulkWrite(ops, { ordered: false })
      .then(
        () => undefined,
        (err: unknown) => {
          try {
            // Two claims upserting one new group at once: one insert loses on the _id; the other's stamp stands.
            duplicateIndexes(err);
          } catch (failed) {
            this.onError(failed, queue, 'stamping the turns of served groups');
          }
        },
      )
      .finally(() => this.#writes.delete(write));
    this.#writes.add(write);
  }

  /** Wait for the stamp writes under way (before the client closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.#writes]);
  }

  /** True when this client has claimed from the queue as a grouped queue (its housekeeping sweeps the queue's groups). */
  claimsGrouped(queue: string): boolean {
    return this.#adopted.has(queue);
  }

  /** Forget the groups of a deleted queue. */
  async drop(queue: string): Promise<void> {
    await this.groups.deleteMany({ q: queue });
    this.#adopted.delete(queue);
  }

  /**
   * Drop groups of the queue found empty long ago with nothing marked ready since. A delete then a read:
   * an add racing the delete either wrote its item before the read (the group is registered again) or
   * marks the group after the delete (its upsert registers it again).
   */
  async sweep(queue: string, items: Collection<ItemDoc>, now: number): Promise<void> {
    const old = (await this.groups.find({ q: queue, e: { $lt: now - GROUP_RETENTION_MS } }).toArray()).filter((d) => (d.a ?? 0) <= d.e!);
    for (const d of old) {
      await this.groups.deleteOne({ _id: d._id });
      const g = groupName(queue, d);
      if ((await items.findOne({ g }, { projection: { _id: 1 } })) !== null) await this.ready(queue, new Map([[g, now]]));
    }
  }
}
