import { randomUUID } from 'node:crypto';
import type { QueueCounters } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { Guards } from './guards';

/** One insert's worth of counts of a queue: what one client counted in one flush, or a compacted sum. */
export interface CounterDoc {
  _id: string;
  q: string;
  /** completed, failed, retried. */
  c: number;
  f: number;
  r: number;
  /** Epoch ms of the earliest count it holds (the queue's `since` is the least of them). */
  s: number;
  /** Epoch ms it was written (compaction merges the old ones). */
  at: number;
}

/** Deltas older than this are merged into one document (rarely more than one compaction per queue a minute). */
const COMPACT_AFTER_MS = 60_000;
const COMPACT_BATCH = 5_000;

/**
 * Durable lifecycle counters by insert only: FerretDB v1 runs `$inc` as a read then a write, so two
 * clients incrementing one document would lose counts. Each client inserts one delta document per queue
 * per flush (an insert is atomic everywhere), `read` sums a queue's documents, and compaction merges old
 * deltas into one under a guard (one compactor per queue and minute). A crash between the merged insert
 * and the deletion of what it merged would count those deltas twice: the one non-exact window.
 */
export class CounterStore {
  constructor(
    private readonly docs: Collection<CounterDoc>,
    private readonly guards: Guards,
  ) {}

  /** Add one flush's counts (queue → [completed, failed, retried, first count's time]). */
  async add(deltas: ReadonlyMap<string, [number, number, number, number]>, now: number): Promise<void> {
    if (deltas.size === 0) return;
    await this.docs.insertMany([...deltas].map(([q, [c, f, r, s]]) => ({ _id: randomUUID(), q, c, f, r, s, at: now })), { ordered: false });
  }

  /** The queue's totals. */
  async read(queue: string): Promise<QueueCounters> {
    const docs = await this.docs.find({ q: queue }).toArray();
    if (docs.length === 0) return { completed: 0, failed: 0, retried: 0 };
    let completed = 0, failed = 0, retried = 0, since = Infinity;
    for (const d of docs) {
      completed += d.c;
      failed += d.f;
      retried += d.r;
      since = Math.min(since, d.s);
    }
    return { completed, failed, retried, since };
  }

  /** Merge the queue's old deltas into one document, when this client wins the queue's compaction this minute. */
  async compact(queue: string, now: number): Promise<void> {
    const key = `counters ${queue} ${Math.floor(now / COMPACT_AFTER_MS)}`;
    const old = await this.docs.find({ q: queue, at: { $lt: now - COMPACT_AFTER_MS } }).limit(COMPACT_BATCH).toArray();
    if (old.length < 2 || !(await this.guards.acquire(key))) return;
    const sum: CounterDoc = { _id: `sum ${key}`, q: queue, c: 0, f: 0, r: 0, s: Infinity, at: Math.max(...old.map((d) => d.at)) };
    for (const d of old) {
      sum.c += d.c;
      sum.f += d.f;
      sum.r += d.r;
      sum.s = Math.min(sum.s, d.s);
    }
    await this.docs.insertOne(sum);
    await this.docs.deleteMany({ _id: { $in: old.map((d) => d._id) } });
  }

  /** Forget a deleted queue's counts. */
  async drop(queue: string): Promise<void> {
    await this.docs.deleteMany({ q: queue });
  }
}
