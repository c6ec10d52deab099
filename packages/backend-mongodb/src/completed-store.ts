import type { JobRecord, KeepCompleted } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import { loadMessage, type CompletedDoc, type StoredMessage } from './documents';

/**
 * The completed items kept by acks with `keep` (`<ns>.completed`, `_id = '<queue> <id>'`, so a later
 * completion of an id replaces the earlier one). Reads hide items past their expiry; trims run after
 * the acks that keep items, coalesced per queue (acks arriving during a trim share the next one), and
 * housekeeping deletes what expired on queues no ack trims any more.
 */
export class CompletedStore {
  readonly #trims = new Map<string, { running: Promise<void>; next?: { keep: Omit<KeepCompleted, 'result'>; done: Promise<void> } }>();

  constructor(private readonly completed: Collection<CompletedDoc>) {}

  /** Store (or replace) the completion of an item; repeatable with the same arguments. */
  async record(queue: string, m: StoredMessage, attempt: number, at: number, keep: KeepCompleted): Promise<void> {
    const doc: CompletedDoc = { _id: `${queue} ${m.id}`, q: queue, m, a: attempt, at, exp: at + keep.ageMs, ...(keep.result !== undefined && { r: keep.result }) };
    await this.completed.replaceOne({ _id: doc._id }, doc, { upsert: true });
  }

  /** Trim a queue's completed items to `keep`'s bounds; resolves once a trim that started after this call has run. */
  trim(queue: string, keep: Omit<KeepCompleted, 'result'>): Promise<void> {
    const cur = this.#trims.get(queue);
    if (cur === undefined) {
      const running = this.#trim(queue, keep).finally(() => this.#advance(queue));
      this.#trims.set(queue, { running });
      return running;
    }
    if (cur.next !== undefined) {
      cur.next.keep = keep;
      return cur.next.done;
    }
    const next: { keep: Omit<KeepCompleted, 'result'>; done: Promise<void> } = { keep, done: Promise.resolve() };
    next.done = cur.running.catch(() => undefined).then(() => this.#trim(queue, next.keep));
    cur.next = next;
    return next.done;
  }

  #advance(queue: string): void {
    const cur = this.#trims.get(queue);
    if (cur?.next === undefined) {
      this.#trims.delete(queue);
      return;
    }
    const running = cur.next.done.finally(() => this.#advance(queue));
    this.#trims.set(queue, { running });
  }

  async #trim(queue: string, keep: Omit<KeepCompleted, 'result'>): Promise<void> {
    await this.completed.deleteMany({ q: queue, at: { $lt: Date.now() - keep.ageMs } });
    const [edge] = await this.completed.find({ q: queue }, { projection: { at: 1 } }).sort({ at: -1, _id: -1 }).skip(keep.count).limit(1).toArray();
    if (edge) await this.completed.deleteMany({ q: queue, $or: [{ at: { $lt: edge.at } }, { at: edge.at, _id: { $lte: edge._id } }] });
  }

  /** The kept completion of `id` in `queue`, unless expired. */
  async find(queue: string, id: string): Promise<JobRecord | undefined> {
    const doc = await this.completed.findOne({ _id: `${queue} ${id}` });
    return doc === null || doc.exp <= Date.now() ? undefined : record(doc);
  }

  /** A page of a queue's unexpired completed items, most recent first. */
  async list(queue: string, offset: number, limit: number): Promise<JobRecord[]> {
    const docs = await this.completed.find({ q: queue, exp: { $gt: Date.now() } }).sort({ at: -1, _id: -1 }).skip(offset).limit(limit).toArray();
    return docs.map(record);
  }

  /** Delete expired completed items of every queue. */
  async sweep(now: number): Promise<void> {
    await this.completed.deleteMany({ exp: { $lte: now } });
  }
}

function record(doc: CompletedDoc): JobRecord {
  return { queue: doc.q, message: loadMessage(doc.m), state: 'completed', attempt: doc.a, updatedAt: doc.at, ...(doc.r !== undefined && { result: doc.r }) };
}
