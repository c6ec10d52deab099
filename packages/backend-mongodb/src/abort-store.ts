import type { AbortRequest, LeaseRef } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';

/** An abort request, keyed by the lease token it was made for. */
export interface AbortDoc {
  /** Lease token. */
  _id: string;
  q: string;
  i: string;
  /** Reason, if given. */
  r?: string;
  /** Fail instead of retry. */
  f?: boolean;
  /** Epoch ms after which the request is garbage (its lease is over by then). */
  exp: number;
}

/** How long a request outlives the lease end it was made at; the holder reads it within a poll. */
const KEEP_AFTER_LEASE_MS = 60_000;

/**
 * Abort requests of running items. Keyed by lease token, so a request can only ever reach the lease it
 * was made for (a later delivery of the item has a new token); expired ones are swept by housekeeping.
 */
export class AbortStore {
  constructor(private readonly aborts: Collection<AbortDoc>) {}

  /** Store a request against the lease `token` of item `id`, which holds until `until`. */
  async put(queue: string, id: string, token: string, until: number, request: AbortRequest): Promise<void> {
    const doc: AbortDoc = { _id: token, q: queue, i: id, exp: until + KEEP_AFTER_LEASE_MS, ...(request.reason !== undefined && { r: request.reason }), ...(request.fail !== undefined && { f: request.fail }) };
    await this.aborts.replaceOne({ _id: token }, doc, { upsert: true });
  }

  /** The requests standing against these leases, in order. */
  async find(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    if (refs.length === 0) return [];
    const docs = await this.aborts.find({ _id: { $in: refs.map((r) => r.token) } }).toArray();
    const byToken = new Map(docs.map((d) => [d._id, d]));
    return refs.map((ref) => {
      const d = byToken.get(ref.token);
      if (d === undefined || d.q !== ref.queue || d.i !== ref.id) return undefined;
      return { ...(d.r !== undefined && { reason: d.r }), ...(d.f !== undefined && { fail: d.f }) };
    });
  }

  /** Delete requests whose lease is long over, and every request of a deleted queue. */
  async sweep(now: number, queue?: string): Promise<void> {
    await this.aborts.deleteMany(queue === undefined ? { exp: { $lt: now } } : { q: queue });
  }
}
