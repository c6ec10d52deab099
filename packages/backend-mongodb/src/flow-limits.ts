import { randomUUID } from 'node:crypto';
import type { QueueLimits } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { LimitsDoc, StartDoc } from './documents';

/** How long past its window a start is kept, so a claim whose clock read was slow still sees it. */
const START_MARGIN_MS = 60_000;
/** Least time between two sweeps of one queue's old starts by one client. */
const SWEEP_EVERY_MS = 10_000;
/** How long an add trusts this client's last read of a queue's group `by` before refreshing it in the background (claims re-read it every time). */
const GROUP_BY_FRESH_MS = 1_000;
/** A view older than this (an idle client) is read again before the add: FairGroups adopts stragglers only for a while after `by` changes. */
const GROUP_BY_STALE_MS = 10_000;

/** The `q` of the starts of a queue's groups: never a queue name (those hold no newline), and one index range for all its groups. */
function groupStarts(queue: string): string {
  return `${queue}\n`;
}

/** A concurrency and a rate, only the fields set. */
function concurrencyAndRate(doc: { concurrency?: number; rate?: { max: number; per: number } }): Pick<QueueLimits, 'concurrency' | 'rate'> {
  return {
    ...(doc.concurrency !== undefined && { concurrency: doc.concurrency }),
    ...(doc.rate !== undefined && { rate: { max: doc.rate.max, per: doc.rate.per } }),
  };
}

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
  /** The group `by` (or none) of each queue as this client last read or wrote it, and when. */
  readonly #seen = new Map<string, { by: string | undefined; at: number }>();
  /** Queues whose view this client is refreshing in the background. */
  readonly #refreshing = new Set<string>();

  constructor(
    private readonly limits: Collection<LimitsDoc>,
    private readonly starts: Collection<StartDoc>,
  ) {}

  /**
   * Replace a queue's limits (`{}` removes them). Its starts are kept while a rate is set, so setting it
   * again does not reopen a full window; likewise its groups' starts while a group rate is set.
   */
  async set(queue: string, limits: QueueLimits): Promise<void> {
    const by = limits.group?.by;
    const before = by === undefined ? null : await this.limits.findOne({ _id: queue }, { projection: { group: 1, gs: 1 } });
    const gs = before?.group?.by === by ? before?.gs : Date.now();
    if (limits.concurrency === undefined && limits.rate === undefined && by === undefined) await this.limits.deleteOne({ _id: queue });
    else await this.limits.replaceOne({ _id: queue }, { ...limits, ...(by !== undefined && { gs: gs ?? Date.now() }) }, { upsert: true });
    this.#seen.set(queue, { by, at: Date.now() });
    if (limits.rate === undefined) await this.starts.deleteMany({ q: queue });
    if (limits.group?.rate === undefined) await this.starts.deleteMany({ q: groupStarts(queue) });
  }

  /** A queue's limits (`{}` when none). */
  async get(queue: string): Promise<QueueLimits> {
    return (await this.read(queue)).limits;
  }

  /** A queue's limits, and when its group `by` last changed (0 when not grouped). */
  async read(queue: string): Promise<{ limits: QueueLimits; groupSince: number }> {
    const doc = await this.limits.findOne({ _id: queue });
    this.#seen.set(queue, { by: doc?.group?.by, at: Date.now() });
    const group = doc?.group;
    const limits = {
      ...concurrencyAndRate(doc ?? {}),
      ...(group !== undefined && { group: { by: group.by, ...concurrencyAndRate(group) } }),
    };
    return { limits, groupSince: doc?.gs ?? 0 };
  }

  /**
   * The `by` of the queue's groups (undefined: not grouped) as this client last read it, so adds pay no
   * round trip for grouping: the first add to a queue in this client (or the first after 10 s without
   * one) waits for a read; a view older than `GROUP_BY_FRESH_MS` is used once more and refreshed in the
   * background (claims refresh it on every claim). An add whose view is stale leaves its items ungrouped or grouped under the old `by`;
   * grouped claims adopt them (FairGroups.adopt).
   */
  async groupBy(queue: string): Promise<string | undefined> {
    const seen = this.#seen.get(queue);
    if (seen === undefined || seen.at <= Date.now() - GROUP_BY_STALE_MS) return (await this.get(queue)).group?.by;
    if (seen.at <= Date.now() - GROUP_BY_FRESH_MS && !this.#refreshing.has(queue)) {
      this.#refreshing.add(queue);
      // A failed refresh leaves the old view, tried again by the next add.
      this.get(queue)
        .catch(() => undefined)
        .finally(() => this.#refreshing.delete(queue));
    }
    return seen.by;
  }

  /** Forget a deleted queue's limits and starts. */
  async drop(queue: string): Promise<void> {
    await this.limits.deleteOne({ _id: queue });
    await this.starts.deleteMany({ q: queue });
    await this.starts.deleteMany({ q: groupStarts(queue) });
    this.#seen.delete(queue);
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
    return this.#keep(mine, others, rate, now);
  }

  /** Per group of the queue: starts left in the window now, and when its oldest leaves it (a first cut; `admitGroups` decides). Groups not listed have `max`. */
  async groupRoom(queue: string, rate: { max: number; per: number }, now: number): Promise<Map<string, { room: number; freeAt: number }>> {
    const docs = await this.starts.find({ q: groupStarts(queue), t: { $gt: now - rate.per, $lte: now } }, { projection: { g: 1, t: 1 } }).toArray();
    const out = new Map<string, { room: number; freeAt: number }>();
    for (const d of docs) {
      const cur = out.get(d.g!) ?? { room: rate.max, freeAt: Number.POSITIVE_INFINITY };
      out.set(d.g!, { room: cur.room - 1, freeAt: Math.min(cur.freeAt, d.t + rate.per) });
    }
    return out;
  }

  /**
   * `admit` per group: record one start per lease (`counts`: leases per group), then read the starts of
   * all the queue's groups once and keep, per group, what leaves every window containing `now` within `max`.
   */
  async admitGroups(queue: string, rate: { max: number; per: number }, counts: ReadonlyMap<string, number>, now: number): Promise<Map<string, Admitted>> {
    const key = groupStarts(queue);
    this.#sweep(key, rate.per, now);
    const mine = new Map([...counts].map(([g, n]) => [g, Array.from({ length: n }, (): StartDoc => ({ _id: randomUUID(), q: key, g, t: now }))]));
    await this.starts.insertMany([...mine.values()].flat(), { ordered: false });
    const ids = new Set([...mine.values()].flat().map((d) => d._id));
    const others = new Map<string, number[]>();
    for (const d of await this.starts.find({ q: key, t: { $gt: now - rate.per } }, { projection: { g: 1, t: 1 } }).toArray()) {
      if (!ids.has(d._id) && mine.has(d.g!)) others.set(d.g!, [...(others.get(d.g!) ?? []), d.t]);
    }
    const out = new Map<string, Admitted>();
    for (const [g, docs] of mine) out.set(g, await this.#keep(docs, others.get(g) ?? [], rate, now));
    return out;
  }

  /** Keep as many of `mine` (just inserted) as the window allows beside `others`; delete the rest. */
  async #keep(mine: readonly StartDoc[], others: readonly number[], rate: { max: number; per: number }, now: number): Promise<Admitted> {
    const kept = Math.max(0, Math.min(mine.length, rate.max - busiestWindow(others, now, rate.per)));
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
