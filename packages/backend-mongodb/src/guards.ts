import type { Collection } from 'mongodb';
import type { GuardDoc } from './documents';
import { isDuplicateKey } from './errors';

/** How long guards are kept: far longer than any read-then-guard window, so a stale reader always loses. */
export const GUARD_RETENTION_MS = 5 * 60_000;

/**
 * Compare-and-set by unique insert: the first client to insert a key wins it. FerretDB v1 runs
 * findAndModify/update as an unguarded read followed by a write, so a filter on a version is not a
 * compare-and-set there; an `_id` insert is, on every server.
 */
export class Guards {
  constructor(
    private readonly collection: Collection<GuardDoc>,
    /** Random id of this backend instance. */
    private readonly instance: string,
  ) {}

  /**
   * True when this call (or an earlier call of this instance: a retry after a lost reply) won `key`;
   * false when another instance holds it.
   */
  async acquire(key: string): Promise<boolean> {
    try {
      await this.collection.insertOne({ _id: key, inst: this.instance, ts: Date.now() });
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const held = await this.collection.findOne({ _id: key });
      return held?.inst === this.instance;
    }
  }

  /** The guard, when it exists. */
  get(key: string): Promise<GuardDoc | null> {
    return this.collection.findOne({ _id: key });
  }

  /** Record that the winner finished the guarded step's side effect (so a retry skips it). */
  async markDone(key: string): Promise<void> {
    await this.collection.updateOne({ _id: key }, { $set: { done: true } });
  }

  /** Delete guards older than the retention. */
  async sweep(now: number): Promise<void> {
    await this.collection.deleteMany({ ts: { $lt: now - GUARD_RETENTION_MS } });
  }
}
