import type { LeaseRef } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';

/** Stored progress of one lease, keyed by its token. */
export interface ProgressDoc {
  /** Lease token. */
  _id: string;
  q: string;
  i: string;
  /** JSON text. */
  v: string;
  /** Epoch ms after which the document is garbage (its lease is long over by then). */
  exp: number;
}

/** How long progress outlives the lease end it was written at; readers check the lease anyway. */
const KEEP_AFTER_LEASE_MS = 3_600_000;

/**
 * Handler progress by lease token, so it only ever reads back for the lease that wrote it: once the
 * item is acked, nacked or re-leased it is no longer visible, and housekeeping deletes it later.
 */
export class ProgressStore {
  constructor(private readonly docs: Collection<ProgressDoc>) {}

  /** Store `value` for the lease `ref`, which holds until `until`. */
  async put(ref: LeaseRef, until: number, value: string): Promise<void> {
    await this.docs.replaceOne({ _id: ref.token }, { q: ref.queue, i: ref.id, v: value, exp: until + KEEP_AFTER_LEASE_MS }, { upsert: true });
  }

  /** The value stored for lease `token` of the item, if any. */
  async get(queue: string, id: string, token: string): Promise<string | undefined> {
    const d = await this.docs.findOne({ _id: token });
    return d !== null && d.q === queue && d.i === id ? d.v : undefined;
  }

  /** Delete documents whose lease is long over, or every document of a deleted queue. */
  async sweep(now: number, queue?: string): Promise<void> {
    await this.docs.deleteMany(queue === undefined ? { exp: { $lt: now } } : { q: queue });
  }
}
