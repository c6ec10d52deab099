import type { Logger } from '@wrkr/core/backend';
import type { Collection } from 'mongodb';
import type { DelayedDoc, GuardDoc, StoredMessage } from './documents';
import { duplicateIndexes } from './errors';
import { retryTransient } from './retry';

/**
 * Window of a routing guard. A router that wins `d~<id>~<window>` routes the publish; if it dies midway,
 * a router of a later window finishes the job (queue inserts are idempotent by id, so nothing doubles).
 */
export const ROUTING_WINDOW_MS = 30_000;
const BATCH = 500;
/**
 * While a router routes, it refreshes the guards of the publishes it routes this often, for the window
 * of each refresh: a router of a later window then finds the previous window's guard young and waits. A
 * slow pass (FerretDB under load took longer than a window) is not taken for a dead one, whose guards
 * age past a window within one window of its death.
 */
const HEARTBEAT_MS = ROUTING_WINDOW_MS / 6;
/**
 * Windows (relative to a pass's own) whose young guards of other routers hold a publish back. Only the
 * neighbours: FerretDB matches `$in` against every guard document, so each window more costs a scan of
 * the guards per batch (passes whose start lags a window's turn by more than a window are not covered).
 */
const NEAR_WINDOWS = [-1, 1];

/** Guard key of a delayed publish for the routing window containing `now`. */
export function routingGuard(id: string, now: number): string {
  return `d~${id}~${Math.floor(now / ROUTING_WINDOW_MS)}`;
}

/**
 * Guard key recording that a delayed publish was routed, written after its messages are in their queues
 * and before its record is deleted. A pass that fails after routing (its delete refused under load) is
 * retried, and the publish's items may meanwhile be delivered, acked and removed; routing them again would
 * add them anew (a send of an id whose item is finished adds it again), so a retry only deletes the record.
 * It names the due and publish times too: a later delayed publish of the same id is another publish.
 */
export function routedMark(doc: DelayedDoc): string {
  return `r~${doc._id}~${doc.at}~${doc.m.publishedAt}`;
}

/**
 * Ids (of `ids`) whose guard of the previous window is younger than a window: a router that won it
 * may still be routing, so nobody else may take the publish over yet. Guards of `except` (the asking
 * router itself, whose passes never overlap) do not count: that earlier pass of its own has failed.
 */
export async function recentlyRouted(guards: Collection<GuardDoc>, ids: readonly string[], now: number, except?: string): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const previous = ids.map((id) => routingGuard(id, now - ROUTING_WINDOW_MS));
  const fresh = await guards.find({ _id: { $in: previous }, ts: { $gt: now - ROUTING_WINDOW_MS }, ...(except !== undefined ? { inst: { $ne: except } } : {}) }).toArray();
  const busy = new Set(fresh.map((g) => g._id));
  return new Set(ids.filter((id, k) => busy.has(previous[k]!)));
}

/**
 * Routes delayed publishes when due: a precise timer for the earliest due time it knows of (its own
 * publishes, and what it last read), and a poll every `pollMs` for publishes of other clients.
 */
export class DelayedRouter {
  #timer?: NodeJS.Timeout;
  #timerAt = Number.POSITIVE_INFINITY;
  #running?: Promise<void>;
  #again = false;
  #stopped = false;
  #refreshing = false;

  constructor(
    private readonly delayed: Collection<DelayedDoc>,
    private readonly guards: Collection<GuardDoc>,
    private readonly instance: string,
    private readonly route: (messages: StoredMessage[]) => Promise<void>,
    /** Release the job keys of routed publishes that held one (they are no longer pending). */
    private readonly releaseKeys: (routed: DelayedDoc[]) => Promise<void>,
    private readonly pollMs: number,
    private readonly log: Logger,
  ) {}

  /** Start routing. */
  start(): void {
    this.#stopped = false;
    this.#at(Date.now());
  }

  /** A delayed publish due at `at` was stored. */
  noteDue(at: number): void {
    if (at < this.#timerAt) this.#at(at);
  }

  /** Stop routing (an in-flight pass finishes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #at(at: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, at - Date.now()));
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass()
      .then((next) => this.#at(Math.min(next, Date.now() + this.pollMs)))
      .catch((err: unknown) => {
        this.log.warn({ err }, 'routing delayed publishes failed; retrying');
        this.#at(Date.now() + this.pollMs);
      })
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.#at(Date.now());
        }
      });
  }

  /** Route everything due; return the next due time (Infinity: none stored). */
  async #pass(): Promise<number> {
    for (;;) {
      const now = Date.now();
      const due = await this.delayed.find({ at: { $lte: now } }).limit(BATCH).toArray();
      const routed = due.length > 0 ? await this.#routeBatch(due, now) : 0;
      // Nothing won: another client is routing these; it will delete them (or a later window retries).
      if (due.length < BATCH || routed === 0 || this.#stopped) break;
    }
    const [next] = await this.delayed.find({}, { projection: { at: 1 } }).sort({ at: 1 }).limit(1).toArray();
    return next?.at ?? Number.POSITIVE_INFINITY;
  }

  async #routeBatch(due: DelayedDoc[], now: number): Promise<number> {
    // Stamped when written (the pass's `now` predates its read of the due records, slow under load).
    const guards = due.map((d) => ({ _id: routingGuard(d._id, now), inst: this.instance, ts: Date.now() }));
    let lost = new Set<number>();
    try {
      await this.guards.insertMany(guards, { ordered: false });
    } catch (err) {
      lost = duplicateIndexes(err);
    }
    if (lost.size > 0) {
      // Guards this instance won in an earlier pass that failed midway are still its own to finish.
      const lostKeys = [...lost].map((k) => guards[k]!._id);
      const own = new Set((await this.guards.find({ _id: { $in: lostKeys }, inst: this.instance }).toArray()).map((g) => g._id));
      for (const k of [...lost]) if (own.has(guards[k]!._id)) lost.delete(k);
    }
    const candidates = due.filter((_, k) => !lost.has(k));
    const { busy, routed } = await this.#prior(candidates, now);
    if (busy.size > 0) {
      // Give the guards won here back: when two routers each see the other's guard, neither routes, and
      // without this both would wait until the older guard ages past a window.
      const back = candidates.filter((d) => busy.has(d._id)).map((d) => routingGuard(d._id, now));
      await this.guards.deleteMany({ _id: { $in: back }, inst: this.instance });
    }
    const mine = candidates.filter((d) => !busy.has(d._id));
    if (mine.length === 0) return 0;
    const fresh = mine.filter((d) => !routed.has(d._id));
    const heartbeat = setInterval(() => void this.#refresh(mine.map((d) => d._id)), HEARTBEAT_MS);
    try {
      if (fresh.length > 0) {
        await this.route(fresh.map((d) => d.m));
        await this.#markRouted(fresh, now);
      }
      // Retried here: a failed pass would only be retried whole (which the marks make harmless, but slow).
      await retryTransient(() => this.delayed.deleteMany({ _id: { $in: mine.map((d) => d._id) } }));
      const keyed = mine.filter((d) => d.k !== undefined);
      if (keyed.length > 0) await this.releaseKeys(keyed);
    } finally {
      clearInterval(heartbeat);
    }
    return mine.length;
  }

  /**
   * In one read, after this router's guard insert: the ids another router may be routing (a guard of
   * another instance, younger than a window, in a window near this one) and the ids already routed
   * (their `routedMark` exists). Windows after this one count too: two routers whose passes began on
   * either side of a window's turn win a guard each (of different windows), and as each reads after its
   * own insert, at least one of them sees the other's and yields (CI routed 452 of 10,000 twice so).
   */
  async #prior(docs: readonly DelayedDoc[], now: number): Promise<{ busy: Set<string>; routed: Set<string> }> {
    const near = docs.map((d) => NEAR_WINDOWS.map((w) => routingGuard(d._id, now + w * ROUTING_WINDOW_MS)));
    const marks = docs.map(routedMark);
    const found = new Map((await this.guards.find({ _id: { $in: [...near.flat(), ...marks] } }).toArray()).map((g) => [g._id, g]));
    const young = Date.now() - ROUTING_WINDOW_MS;
    const busy = new Set<string>();
    const routed = new Set<string>();
    docs.forEach((d, k) => {
      if (near[k]!.some((key) => { const g = found.get(key); return g !== undefined && g.inst !== this.instance && g.ts > young; })) busy.add(d._id);
      if (found.has(marks[k]!)) routed.add(d._id);
    });
    return { busy, routed };
  }

  /** Write the routed marks; retried on SQLITE_BUSY and lost replies, since a pass failing here before they land would route again. */
  async #markRouted(docs: readonly DelayedDoc[], now: number): Promise<void> {
    await retryTransient(async () => {
      try {
        await this.guards.insertMany(docs.map((d) => ({ _id: routedMark(d), inst: this.instance, ts: now })), { ordered: false });
      } catch (err) {
        // Marks left by an earlier attempt or pass of this publish.
        duplicateIndexes(err);
      }
    });
  }

  /** Keep this router's claim on `ids` alive: their guards of the current window, stamped now. */
  async #refresh(ids: readonly string[]): Promise<void> {
    // One at a time: on a slow server overlapping refreshes piled up and took every connection.
    if (this.#refreshing) return;
    this.#refreshing = true;
    try {
      const now = Date.now();
      const keys = ids.map((id) => routingGuard(id, now));
      const stamped = await this.guards.updateMany({ _id: { $in: keys } }, { $set: { inst: this.instance, ts: now } });
      // The window turned since the pass began: its guards are written once (another router's stay theirs).
      if (stamped.matchedCount < keys.length) {
        try {
          await this.guards.insertMany(keys.map((_id) => ({ _id, inst: this.instance, ts: now })), { ordered: false });
        } catch (err) {
          duplicateIndexes(err);
        }
      }
    } catch (err) {
      this.log.debug({ err }, 'refreshing routing guards failed; the next refresh tries again');
    } finally {
      this.#refreshing = false;
    }
  }
}
