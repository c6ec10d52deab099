import { randomUUID } from 'node:crypto';
import type { QueueLimits } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { LimitsDoc, StartDoc } from './documents';

/** How long past its window a start is kept, so a claim whose clock read was slow still sees it. */
const START_MARGIN_MS = 60_000;
/** Least time between two sweeps of one queue's old starts by one client. */
const SWEEP_EVERY_MS = 10_000;

/**
 * The most of `times` inside one window of `per` ms that contains `at`: the windows that matter to a
 * start at `at` begin at `at` or at one of the other starts before it.
 */
function busiestWindow(times: readonly number[], at: number, per: number): number {
  let most = 0;
  for (const from of [at, ...times.filter((t) => t <= at && t > at - per)]) {
    most = Math.max(most, times.filter((t) => t >= from && t < from + per).length);
  }
  return most;
}

/** What the rate window admitted of a claim's leases. */
export interface Admitted {
  /** How many of the leases may start. */
  readonly kept: number;
  /** Give back the starts of the last `n` kept leases (a concurrency limit cut them after all). */
  readonly giveBack: (n: number) => Promise<void>;
  /** When the window next has room, when it has none now. */
  readonly freeAt: number;
}

/**
 * Queue limits: stored one document per queue, and the rate limit's sliding window as one start document
 * per lease. FerretDB v1 has no atomic read-modify-write, so a claim inserts its starts first and only
 * then reads the window: of two racing claims, the one reading later sees the other's starts, and each
 * keeps only what leaves every window around its start within `max` (see the README).
 */
export class FlowLimits {
  readonly #swept = new Map<string, number>();

  constructor(
    private readonly limits: Collection<LimitsDoc>,
    private readonly starts: Collection<StartDoc>,
  ) {}

  /** Replace a queue's limits (`{}` removes them); its starts are kept while a rate is set, so setting it again does not reopen a full window. */
  async set(queue: string, limits: QueueLimits): Promise<void> {
    if (limits.concurrency === undefined && limits.rate === undefined) await this.limits.deleteOne({ _id: queue });
    else await this.limits.replaceOne({ _id: queue }, { ...limits }, { upsert: true });
    if (limits.rate === undefined) await this.starts.deleteMany({ q: queue });
  }

  /** A queue's limits (`{}` when none). */
  async get(queue: string): Promise<QueueLimits> {
    const doc = await this.limits.findOne({ _id: queue });
    return {
      ...(doc?.concurrency !== undefined && { concurrency: doc.concurrency }),
      ...(doc?.rate !== undefined && { rate: { max: doc.rate.max, per: doc.rate.per } }),
    };
  }

  /** Forget a deleted queue's limits and starts. */
  async drop(queue: string): Promise<void> {
    await this.limits.deleteOne({ _id: queue });
    await this.starts.deleteMany({ q: queue });
  }

  /** Starts left in the window now, and when the oldest leaves it (a first cut; `admit` decides). */
  async room(queue: string, rate: { max: number; per: number }, now: number): Promise<{ room: number; freeAt: number }> {
    const times = await this.#recent(queue, rate.per, now);
    const inWindow = times.filter((t) => t <= now).sort((a, b) => a - b);
    return { room: rate.max - inWindow.length, freeAt: inWindow.length > 0 ? inWindow[0]! + rate.per : now };
  }

  /**
   * Record `count` starts at `now`, then keep as many as every window containing `now` allows given the
   * starts of others read after the insert; the starts not kept are deleted again (by their own `_id`).
   */
  async admit(queue: string, rate: { max: number; per: number }, count: number, now: number): Promise<Admitted> {
    this.#sweep(queue, rate.per, now);
    const mine = Array.from({ length: count }, (): StartDoc => ({ _id: randomUUID(), q: queue, t: now }));
    await this.starts.insertMany(mine, { ordered: false });
    const ids = new Set(mine.map((d) => d._id));
    const others = (await this.starts.find({ q: queue, t: { $gt: now - rate.per } }, { projection: { t: 1 } }).toArray()).filter((d) => !ids.has(d._id)).map((d) => d.t);
    const kept = Math.max(0, Math.min(count, rate.max - busiestWindow(others, now, rate.per)));
    const drop = async (docs: readonly StartDoc[]): Promise<void> => {
      if (docs.length > 0) await this.starts.deleteMany({ _id: { $in: docs.map((d) => d._id) } });
    };
    await drop(mine.slice(kept));
    const oldest = Math.min(now, ...others);
    return { kept, giveBack: (n) => drop(mine.slice(kept - n, kept)), freeAt: oldest + rate.per };
  }

  /** Start times of the queue later than one window ago. */
  async #recent(queue: string, per: number, now: number): Promise<number[]> {
    return (await this.starts.find({ q: queue, t: { $gt: now - per } }, { projection: { t: 1 } }).toArray()).map((d) => d.t);
  }

  /** Now and then, delete the queue's starts that left every window (best-effort: a failure is retried next time). */
  #sweep(queue: string, per: number, now: number): void {
    if ((this.#swept.get(queue) ?? 0) > now - SWEEP_EVERY_MS) return;
    this.#swept.set(queue, now);
    this.starts.deleteMany({ q: queue, t: { $lt: now - per - START_MARGIN_MS } }).catch(() => this.#swept.delete(queue));
  }
}
