import type { AnyBulkWriteOperation, Collection, Filter } from 'mongodb';
import type { ItemDoc, StoredMessage, TurnDoc } from './documents';
import { duplicateIndexes } from './errors';

/** Stale items read per adoption pass; passes per adoption at most (the rest is adopted by the next claim). */
const ADOPT_BATCH = 1_000;
const ADOPT_PASSES = 50;
/**
 * Turns of groups not served for this long are swept. A group that comes back after that starts with no
 * turn, which sorts first, as its old turn (the oldest of all) would have anyway.
 */
const TURN_RETENTION_MS = 10 * 60_000;

/**
 * The stored group of a message under `by`: `<by>\n<value>`, the value `''` when the message has none.
 * The prefix makes a group of an earlier `by` a different group, so items grouped before `by` changed
 * are told apart by a range query (`staleFilter`) without a version field.
 */
export function groupOf(m: StoredMessage, by: string): string {
  const value = by === 'tid' ? m.tid : m.headers?.find((h) => h.k === by)?.v;
  return `${by}\n${value ?? ''}`;
}

/** The range of stored groups under `by`. */
export function groupRange(by: string): { $gte: string; $lt: string } {
  // '\u000b' follows '\n': every `<by>\n<value>` lies in [`<by>\n`, `<by>\u000b`).
  return { $gte: `${by}\n`, $lt: `${by}\u000b` };
}

/** Items grouped under another `by`, or under none (added while the queue was not grouped, or by a client whose view of `by` was stale). */
function staleFilter(by: string): Filter<ItemDoc> {
  const { $gte, $lt } = groupRange(by);
  return { $or: [{ g: { $exists: false } }, { g: { $lt: $gte } }, { g: { $gte: $lt } }] };
}

/**
 * Fair groups of grouped queues: each item's group is stored on it (`g`), and the round-robin order is
 * one turn document per served group (when it was last served). A claim takes from the group with the
 * oldest turn first and stamps the groups it served. The stamps are a fairness order, not a limit: two
 * claims racing may read the same order and both serve the oldest group; the per-group limits are kept
 * by the lease log and start documents, which are compare-and-set (see the README, "Fair groups").
 */
export class FairGroups {
  readonly #adopting = new Map<string, Promise<void>>();
  /** The last turn this client stamped: stamps only grow here, so two claims in one millisecond keep their order. */
  #lastTurn = 0;

  constructor(private readonly turns: Collection<TurnDoc>) {}

  /**
   * Give items of the queue that are grouped under another `by`, or none, their group under `by`. An add
   * groups its items itself when it knows the queue's `by`; this catches items added before `by` was set
   * or changed. One adoption per queue at a time in this client; claims arriving meanwhile share it.
   */
  adopt(queue: string, items: Collection<ItemDoc>, by: string): Promise<void> {
    const key = `${queue}\n${by}`;
    let p = this.#adopting.get(key);
    if (p === undefined) {
      p = this.#adopt(items, by).finally(() => this.#adopting.delete(key));
      this.#adopting.set(key, p);
    }
    return p;
  }

  async #adopt(items: Collection<ItemDoc>, by: string): Promise<void> {
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
      if (stale.length < ADOPT_BATCH) return;
    }
  }

  /** The groups under `by` that hold items of the queue, the oldest turn first (a group never served first; ties by name). */
  async order(queue: string, items: Collection<ItemDoc>, by: string): Promise<string[]> {
    const [groups, turns] = await Promise.all([items.distinct('g', { g: groupRange(by) }), this.turns.find({ q: queue }).toArray()]);
    const turnOf = new Map(turns.map((t) => [t._id.slice(queue.length + 1), t.t]));
    return (groups as string[]).sort((x, y) => (turnOf.get(x) ?? 0) - (turnOf.get(y) ?? 0) || (x < y ? -1 : x > y ? 1 : 0));
  }

  /** Stamp the groups a claim served, in the order served (so the next claim goes on from the one after). */
  async served(queue: string, groups: readonly string[], now: number): Promise<void> {
    if (groups.length === 0) return;
    const ops: Array<AnyBulkWriteOperation<TurnDoc>> = groups.map((g) => {
      this.#lastTurn = Math.max(now, this.#lastTurn + 0.001);
      return { replaceOne: { filter: { _id: `${queue}\n${g}` }, replacement: { q: queue, t: this.#lastTurn }, upsert: true } };
    });
    try {
      await this.turns.bulkWrite(ops, { ordered: false });
    } catch (err) {
      // Two claims upserting one new turn at once: one insert loses on the _id; the other's stamp stands.
      duplicateIndexes(err);
    }
  }

  /** Forget the turns of a queue (deleted, or no longer grouped). */
  async drop(queue: string): Promise<void> {
    await this.turns.deleteMany({ q: queue });
  }

  /** Delete turns not stamped for a long time (groups gone quiet, groups of an earlier `by`). */
  async sweep(now: number): Promise<void> {
    await this.turns.deleteMany({ t: { $lt: now - TURN_RETENTION_MS } });
  }
}
