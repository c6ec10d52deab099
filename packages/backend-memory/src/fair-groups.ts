import type { GroupLimits, Message } from '@wrkr/core/backend';
import { BinaryHeap } from './binary-heap';
import { Deque } from './deque';
import { PriorityReady } from './priority-ready';

/** What the groups need of a queue entry. */
export interface Groupable {
  readonly message: Message;
  readonly priority: number;
  /** The group it was claimed in, while leased (set by `shift`). */
  group: string | undefined;
  /** Order in which it became ready, for regrouping in the queue's order. */
  seq: number;
}

/** One group: its ready items and what its limits need to know. */
interface Group<T extends Groupable> {
  readonly name: string;
  readonly ready: PriorityReady<T>;
  /** Leases claimed in this group that have not ended. */
  inFlight: number;
  /** Start times of its recent leases (only while a rate is set; at most `rate.max`). */
  readonly starts: Deque<number>;
  /** In the round-robin ring. */
  queued: boolean;
  /** While its rate window is full: when it lets a lease start again. */
  parkedUntil: number | undefined;
}

/** The group value of a message under `by`: its tid or a header, `''` when it has none. */
export function groupOf(message: Message, by: string): string {
  return (by === 'tid' ? message.tid : message.headers?.[by]) ?? '';
}

/**
 * A grouped queue's ready items: one priority FIFO per group, and a round-robin ring of the groups that
 * may start a lease now. A group full to its concurrency is out of the ring until one of its leases ends;
 * a group whose rate window is full waits in a heap until the window lets it start again. So a claim
 * costs O(1) per item plus O(log g) for a rate-limited group, however many groups are blocked.
 */
export class FairGroups<T extends Groupable> {
  readonly #groups = new Map<string, Group<T>>();
  readonly #ring = new Deque<Group<T>>();
  readonly #parked = new BinaryHeap<{ at: number; group: Group<T> }>((a, b) => a.at < b.at);
  #length = 0;
  #seq = 0;
  /** Size of `#groups` at which the next sweep of idle groups runs. */
  #sweepAt = 1024;

  constructor(readonly limits: GroupLimits) {}

  /** Ready items over every group. */
  get length(): number {
    return this.#length;
  }

  /** Add a ready item at the back of its group (priority order within it); a new group joins the ring at the end of the round. */
  push(entry: T, now: number): void {
    const group = this.#group(groupOf(entry.message, this.limits.by), now);
    entry.seq = this.#seq++;
    group.ready.push(entry);
    this.#length++;
    this.#requeue(group, now);
  }

  /** Remove a ready item (a debounce replacing it); its group leaves the ring lazily. */
  remove(entry: T): boolean {
    const group = this.#groups.get(groupOf(entry.message, this.limits.by));
    if (group === undefined || !group.ready.remove(entry)) return false;
    this.#length--;
    return true;
  }

  /** Take the next item of the group whose turn it is, counting its lease and start in that group; undefined when no group may start one. */
  shift(now: number): T | undefined {
    this.#unpark(now);
    for (let group = this.#ring.shift(); group !== undefined; group = this.#ring.shift()) {
      group.queued = false;
      const entry = group.ready.shift();
      if (entry === undefined) {
        this.#forgetIfIdle(group, now);
        continue;
      }
      this.#length--;
      group.inFlight++;
      if (this.limits.rate !== undefined) {
        group.starts.push(now);
        if (group.starts.length > this.limits.rate.max) group.starts.shift();
      }
      entry.group = group.name;
      this.#requeue(group, now);
      return entry;
    }
    return undefined;
  }

  /** True when some group may start a lease now. */
  claimable(now: number): boolean {
    this.#unpark(now);
    for (let group = this.#ring.at(0); group !== undefined; group = this.#ring.at(0)) {
      if (group.ready.length > 0) return true;
      this.#ring.shift();
      group.queued = false;
      this.#forgetIfIdle(group, now);
    }
    return false;
  }

  /** A lease claimed in `name` ended: the group may start another. */
  ended(name: string, now: number): void {
    const group = this.#groups.get(name);
    if (group === undefined) return;
    group.inFlight--;
    this.#requeue(group, now);
    this.#forgetIfIdle(group, now);
  }

  /** Count a lease that was claimed in `name` before these groups were built (regrouping keeps it there). */
  counted(name: string, now: number): void {
    this.#group(name, now).inFlight++;
  }

  /** Keep the rate windows of `old` groups of the same names (setting the same rate again does not reopen a window). */
  keepWindows(old: FairGroups<T>, now: number): void {
    const rate = this.limits.rate;
    if (rate === undefined) return;
    for (const [name, was] of old.#groups) {
      if (was.starts.length === 0) continue;
      const group = this.#group(name, now);
      for (let i = Math.max(0, was.starts.length - rate.max); i < was.starts.length; i++) group.starts.push(was.starts.at(i)!);
    }
  }

  /** When a rate-parked group may start a lease again (infinity when none waits on its window). */
  nextFreeAt(): number {
    for (let top = this.#parked.peek(); top !== undefined; top = this.#parked.peek()) {
      if (top.group.parkedUntil === top.at && this.#groups.get(top.group.name) === top.group) return top.at;
      this.#parked.pop();
    }
    return Number.POSITIVE_INFINITY;
  }

  /** Every ready item in the queue's order (priority, then the order they became ready). */
  ordered(): T[] {
    const out: T[] = [];
    for (const group of this.#groups.values()) for (let i = 0, e = group.ready.at(0); e !== undefined; e = group.ready.at(++i)) out.push(e);
    return out.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  }

  /** Put a group with ready items in the ring if it may start a lease now, or park it until its window allows. */
  #requeue(group: Group<T>, now: number): void {
    if (group.queued || group.parkedUntil !== undefined || group.ready.length === 0) return;
    const { concurrency, rate } = this.limits;
    // Full: its next ended lease requeues it.
    if (concurrency !== undefined && group.inFlight >= concurrency) return;
    if (rate !== undefined) {
      while (group.starts.length > 0 && group.starts.at(0)! <= now - rate.per) group.starts.shift();
      if (group.starts.length >= rate.max) {
        group.parkedUntil = group.starts.at(0)! + rate.per;
        this.#parked.push({ at: group.parkedUntil, group });
        return;
      }
    }
    group.queued = true;
    this.#ring.push(group);
  }

  #unpark(now: number): void {
    for (let top = this.#parked.peek(); top !== undefined && top.at <= now; top = this.#parked.peek()) {
      this.#parked.pop();
      if (top.group.parkedUntil !== top.at) continue;
      top.group.parkedUntil = undefined;
      this.#requeue(top.group, now);
    }
  }

  #group(name: string, now: number): Group<T> {
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = { name, ready: new PriorityReady<T>(), inFlight: 0, starts: new Deque<number>(), queued: false, parkedUntil: undefined };
      this.#groups.set(name, group);
      if (this.#groups.size >= this.#sweepAt) this.#sweep(now);
    }
    return group;
  }

  /** Drop a group that holds nothing and whose rate window is empty: a new item recreates it. */
  #forgetIfIdle(group: Group<T>, now: number): void {
    if (group.queued || group.parkedUntil !== undefined || group.ready.length > 0 || group.inFlight > 0) return;
    const rate = this.limits.rate;
    if (rate !== undefined && group.starts.length > 0 && group.starts.at(group.starts.length - 1)! > now - rate.per) return;
    if (this.#groups.get(group.name) === group) this.#groups.delete(group.name);
  }

  // Groups kept only for their rate windows are dropped in sweeps when the map has doubled (amortised O(1)).
  #sweep(now: number): void {
    for (const group of [...this.#groups.values()]) this.#forgetIfIdle(group, now);
    this.#sweepAt = Math.max(1024, 2 * this.#groups.size);
  }
}
