import type { AbortRequest, Delivery, FailedItem, FailureInfo, JobListOptions, JobRecord, KeepCompleted, KeyOutcome, LeaseRef, Message, NackOutcome, Outgoing, QueueLimits, QueueStats } from '@wrkr/core/backend';
import { Alarm } from './alarm';
import { BinaryHeap } from './binary-heap';
import type { ClaimWaiter } from './claim-waiter';
import { CompletedItems } from './completed-items';
import { copyFailure, copyMessage } from './copy';
import { FairGroups } from './fair-groups';
import { FlowLimits } from './flow-limits';
import { newLeaseToken } from './lease-token';
import { PriorityReady } from './priority-ready';

/** A pending item of a queue. */
interface Entry {
  readonly message: Message;
  /** 0–9; kept by retries and releases. */
  readonly priority: number;
  state: 'ready' | 'delayed' | 'leased';
  /** Deliveries so far. */
  attempt: number;
  /** Valid while leased. */
  token: string;
  leaseUntil: number;
  /** An abort requested for the current lease; cleared with each new lease. */
  abort?: AbortRequest;
  /** Progress (JSON text) reported under the current lease; cleared with each new lease. */
  progress?: string;
  /** The external worker whose claim took the current lease (sticky pull); cleared when the lease ends. */
  holder?: string;
  /** Bumped on every change, so heap nodes pointing at an older state are recognised as stale. */
  version: number;
  /** Valid while delayed. */
  dueAt: number;
  /** The last attempt's error, while waiting for a retry. */
  error?: FailureInfo;
  /** Epoch ms of the last state change. */
  updatedAt: number;
  /** The job key it holds (dedupe or debounce), released when it leaves the queue. */
  key?: string;
  /** With group limits: the group it was claimed in, while leased. */
  group: string | undefined;
  /** With group limits: the order in which it became ready. */
  seq: number;
}

/** A heap node: `entry` has something to do at `at`, if it is still at `version`. */
interface Timed {
  readonly at: number;
  readonly seq: number;
  readonly entry: Entry;
  readonly version: number;
}

interface Failed {
  readonly message: Message;
  readonly attempt: number;
  readonly error: FailureInfo;
  readonly failedAt: number;
  readonly priority: number;
}

// Ties (e.g. 10,000 items due at one instant) keep insertion order.
const earlier = (a: Timed, b: Timed): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * One queue's items: ready ones in a FIFO per priority, delayed ones in a heap by due time, leased ones in a heap by
 * lease end, failed ones in insertion order, and an index id → entry over the pending ones for O(1)
 * de-duplication and cancel. Heaps use lazy deletion (see `Entry.version`). Every method is synchronous,
 * so each call is atomic for every client of the store.
 */
export class QueueState {
  readonly #entries = new Map<string, Entry>();
  readonly #ready = new PriorityReady<Entry>();
  readonly #delayed = new BinaryHeap<Timed>(earlier);
  readonly #leases = new BinaryHeap<Timed>(earlier);
  readonly #failed = new Map<string, Failed>();
  readonly #completed: CompletedItems;
  /** Holder → the entry it last claimed; it still holds it while `#heldBy` says so. */
  readonly #holders = new Map<string, Entry>();
  readonly #waiters = new Set<ClaimWaiter>();
  /** Job key → the pending entry holding it. */
  readonly #keys = new Map<string, Entry>();
  /** Throttle key → epoch ms its window ends. */
  readonly #throttled = new Map<string, number>();
  /** Size of `#throttled` at which the next sweep of ended windows runs. */
  #sweepAt = 1024;
  readonly #alarm: Alarm;
  #delayedCount = 0;
  #leasedCount = 0;
  #seq = 0;
  #paused = false;
  readonly #flow = new FlowLimits();
  /** With group limits, the ready items live here instead of `#ready`. */
  #groups: FairGroups<Entry> | undefined;

  constructor(
    /** Queue name. */
    readonly name: string,
    clock: () => number,
  ) {
    this.#alarm = new Alarm(clock, () => this.drain(clock()));
    this.#completed = new CompletedItems(name);
  }

  /** True when the queue holds nothing (pending, failed or kept completed). */
  get empty(): boolean {
    return this.#entries.size === 0 && this.#failed.size === 0 && this.#completed.size === 0;
  }

  /** True while claims wait on this queue. */
  get awaited(): boolean {
    return this.#waiters.size > 0;
  }

  /** Add a message (ready, or delayed until `dueAt`); false when its id is already pending here. */
  add(message: Message, dueAt: number | undefined, now: number, priority = 0): boolean {
    if (this.#entries.has(message.id)) return false;
    // Every field, the optional ones too, from the start: one shape for all entries, and no property
    // store grown when a lease or a retry first sets one.
    const entry: Entry = {
      message,
      priority,
      state: 'ready',
      attempt: 0,
      token: '',
      leaseUntil: 0,
      abort: undefined,
      progress: undefined,
      holder: undefined,
      version: 0,
      dueAt: 0,
      error: undefined,
      updatedAt: now,
      key: undefined,
      group: undefined,
      seq: 0,
    };
    this.#entries.set(message.id, entry);
    this.#schedule(entry, dueAt, now);
    return true;
  }

  /**
   * Add a keyed item as its mode says (see KeyMode), returning what the key did; `add` for the rest.
   * A key whose holder left the queue was released then, so the map only ever points at pending entries.
   */
  addKeyed(o: Outgoing, now: number): Omit<KeyOutcome, 'index'> {
    const key = o.key!;
    if (o.keyMode === 'throttle') {
      const until = this.#throttled.get(key);
      if (until !== undefined && until > now) return { queue: this.name, outcome: 'throttled' };
      this.#sweepThrottles(now);
      this.#throttled.set(key, now + o.keyTtlMs!);
      this.add(copyMessage(o.message), o.dueAt, now, o.priority);
      return { queue: this.name, outcome: 'added' };
    }
    const holder = this.#keys.get(key);
    if (holder !== undefined && o.keyMode === 'dedupe') return { queue: this.name, outcome: 'deduped', id: holder.message.id };
    let replaced: string | undefined;
    // Debounce: a holder not yet taken is removed; one in flight keeps running and the new item takes the key.
    if (holder !== undefined && holder.state !== 'leased') {
      this.#remove(holder);
      replaced = holder.message.id;
    }
    if (!this.add(copyMessage(o.message), o.dueAt, now, o.priority)) return { queue: this.name, outcome: 'deduped', id: o.message.id };
    const entry = this.#entries.get(o.message.id)!;
    entry.key = key;
    this.#keys.set(key, entry);
    return replaced === undefined ? { queue: this.name, outcome: 'added' } : { queue: this.name, outcome: 'replaced', id: replaced };
  }

  /**
   * Lease up to `max` available items, as many as the limits let start now; none while paused. With a `holder` (max 1) that still holds a live
   * lease here, that item again under a new lease instead; a lease taken with a holder is the holder's.
   */
  take(max: number, leaseMs: number, now: number, holder?: string): Delivery[] {
    this.#promote(now);
    const out: Delivery[] = [];
    if (this.#paused) return out;
    const held = holder === undefined ? undefined : this.#heldBy(holder, now);
    if (held !== undefined) {
      this.#lease(held, leaseMs, now);
      out.push(this.#delivery(held));
      return out;
    }
    const budget = this.#flow.budget(max, this.#leasedCount, now);
    while (out.length < budget) {
      const entry = this.#groups === undefined ? this.#ready.shift() : this.#groups.shift(now);
      if (entry === undefined) break;
      entry.state = 'leased';
      this.#leasedCount++;
      this.#lease(entry, leaseMs, now);
      if (holder !== undefined) {
        entry.holder = holder;
        this.#holders.set(holder, entry);
      }
      out.push(this.#delivery(entry));
    }
    this.#flow.started(out.length, now);
    return out;
  }

  /** The live lease `holder` holds on an item of this queue. */
  heldBy(holder: string, now: number): LeaseRef | undefined {
    const entry = this.#heldBy(holder, now);
    return entry && { queue: this.name, id: entry.message.id, token: entry.token };
  }

  /** Park a claim until items become available; it is served by `drain`. */
  wait(waiter: ClaimWaiter, now: number): void {
    this.#waiters.add(waiter);
    waiter.onSettle(() => {
      this.#waiters.delete(waiter);
      if (this.#waiters.size === 0) this.#alarm.clear();
    });
    this.drain(now);
  }

  /**
   * Hand available items to waiting claims, oldest first, then aim the alarm at the next instant an
   * item becomes available (due time or lease end) or the rate window lets one start. Call after every change.
   */
  drain(now: number): void {
    if (this.#waiters.size === 0 || this.#paused) return;
    this.#promote(now);
    for (const waiter of this.#waiters) {
      if (!this.#claimable(now) || this.#flow.budget(1, this.#leasedCount, now) === 0) break;
      waiter.settle(this.take(waiter.max, waiter.leaseMs, now, waiter.holder));
    }
    if (this.#waiters.size === 0) return;
    const next = Math.min(this.#nextAt(this.#delayed), this.#nextAt(this.#leases), this.#flow.nextFreeAt(now), this.#groups?.nextFreeAt() ?? Number.POSITIVE_INFINITY);
    this.#alarm.set(Number.isFinite(next) ? next : undefined);
  }

  /** Remove a leased item, keeping it as completed with `keep`. */
  ack(ref: LeaseRef, now: number, keep?: KeepCompleted): boolean {
    const entry = this.#held(ref, now);
    if (entry === undefined) return false;
    this.#entries.delete(ref.id);
    entry.version++;
    this.#leaseEnded(entry, now);
    if (keep !== undefined) this.#completed.keep(entry.message, entry.attempt, keep, now);
    this.#unhold(entry);
    this.#releaseKey(entry);
    return true;
  }

  /** Retry, release or fail a leased item. */
  nack(ref: LeaseRef, outcome: NackOutcome, now: number): boolean {
    const entry = this.#held(ref, now);
    if (entry === undefined) return false;
    this.#leaseEnded(entry, now);
    entry.token = '';
    this.#unhold(entry);
    switch (outcome.kind) {
      case 'retry':
        entry.error = outcome.error === undefined ? undefined : Object.freeze(copyFailure(outcome.error));
        this.#schedule(entry, outcome.dueAt, now);
        break;
      case 'release':
        entry.attempt--;
        this.#schedule(entry, undefined, now);
        break;
      case 'fail':
        this.#entries.delete(ref.id);
        entry.version++;
        this.#releaseKey(entry);
        // Re-insert so the failed listing stays ordered by failure time.
        this.#failed.delete(ref.id);
        this.#failed.set(ref.id, { message: entry.message, attempt: entry.attempt, error: Object.freeze(copyFailure(outcome.error)), failedAt: now, priority: entry.priority });
        break;
    }
    return true;
  }

  /** Move a lease's end to `leaseMs` from now. */
  extend(ref: LeaseRef, leaseMs: number, now: number): boolean {
    const entry = this.#held(ref, now);
    if (entry === undefined) return false;
    entry.leaseUntil = now + leaseMs;
    entry.version++;
    this.#leases.push({ at: entry.leaseUntil, seq: this.#seq++, entry, version: entry.version });
    return true;
  }

  /** Store an abort request with the item's current lease; false when it is not in flight. */
  requestAbort(id: string, request: AbortRequest, now: number): boolean {
    const entry = this.#entries.get(id);
    if (entry?.state !== 'leased' || entry.leaseUntil <= now) return false;
    entry.abort = { ...request };
    return true;
  }

  /** The abort request standing against a lease, if it still holds. */
  abortRequest(ref: LeaseRef, now: number): AbortRequest | undefined {
    const request = this.#held(ref, now)?.abort;
    return request && { ...request };
  }

  /** Store progress with a lease; false when the token is stale. */
  setProgress(ref: LeaseRef, value: string, now: number): boolean {
    const entry = this.#held(ref, now);
    if (entry === undefined) return false;
    entry.progress = value;
    return true;
  }

  /** Progress stored with the item's current lease. */
  progress(id: string, now: number): string | undefined {
    const entry = this.#entries.get(id);
    return entry?.state === 'leased' && entry.leaseUntil > now ? entry.progress : undefined;
  }

  /** Remove a delayed item; false when `id` is not delayed here. */
  cancelDelayed(id: string): boolean {
    const entry = this.#entries.get(id);
    if (entry?.state !== 'delayed') return false;
    this.#remove(entry);
    return true;
  }

  /** Exact counts. */
  stats(now: number): QueueStats {
    this.#promote(now);
    return { ready: this.#readyCount, delayed: this.#delayedCount, inFlight: this.#leasedCount, failed: this.#failed.size, ...(this.#paused && { paused: true }) };
  }

  /** Replace the limits (`{}` for none); waiting claims take what they now allow. */
  setLimits(limits: QueueLimits, now: number): void {
    this.#flow.set(limits);
    this.#regroup(limits, now);
    this.drain(now);
  }

  /** The stored limits. */
  get limits(): QueueLimits {
    return this.#flow.limits;
  }

  /** Pause or resume claims; resuming serves the claims that waited meanwhile. */
  setPaused(paused: boolean, now: number): void {
    this.#paused = paused;
    if (!paused) this.drain(now);
  }

  /** The item `id` (pending, failed, or kept completed), or undefined. */
  job(id: string, now: number): JobRecord | undefined {
    this.#promote(now);
    const entry = this.#entries.get(id);
    if (entry !== undefined) return this.#record(entry);
    const f = this.#failed.get(id);
    return f === undefined ? this.#completed.get(id, now) : this.#failedRecord(f);
  }

  /** A page of one state, in the order `jobs` defines for it. */
  jobs(state: JobListOptions['state'], offset: number, limit: number, now: number): JobRecord[] {
    this.#promote(now);
    const end = offset + limit;
    if (state === 'failed') return [...this.#failed.values()].reverse().slice(offset, end).map((f) => this.#failedRecord(f));
    if (state === 'completed') return this.#completed.page(offset, limit, now);
    if (state === 'ready') {
      if (this.#groups !== undefined) return this.#groups.ordered().slice(offset, end).map((e) => this.#record(e));
      const out: JobRecord[] = [];
      for (let i = offset; i < end && i < this.#ready.length; i++) out.push(this.#record(this.#ready.at(i)!));
      return out;
    }
    const held = state === 'delayed' ? 'delayed' : 'leased';
    const at = (e: Entry) => (held === 'delayed' ? e.dueAt : e.leaseUntil);
    // A stable sort keeps insertion order among equal times, as the heaps do.
    const page = [...this.#entries.values()].filter((e) => e.state === held).sort((a, b) => at(a) - at(b)).slice(offset, end);
    return page.map((e) => this.#record(e));
  }

  #record(entry: Entry): JobRecord {
    const base = { queue: this.name, message: copyMessage(entry.message), attempt: entry.attempt, updatedAt: entry.updatedAt, ...(entry.priority !== 0 && { priority: entry.priority }) };
    const error = entry.error === undefined ? {} : { error: copyFailure(entry.error) };
    if (entry.state === 'leased') return { ...base, state: 'inFlight', leaseUntil: entry.leaseUntil };
    if (entry.state === 'delayed') return { ...base, state: 'delayed', dueAt: entry.dueAt, ...error };
    return { ...base, state: 'ready', ...error };
  }

  #failedRecord(f: Failed): JobRecord {
    return { queue: this.name, message: copyMessage(f.message), state: 'failed', attempt: f.attempt, error: copyFailure(f.error), updatedAt: f.failedAt, ...(f.priority !== 0 && { priority: f.priority }) };
  }

  /** Failed items, oldest first. */
  failed(offset: number, limit: number): FailedItem[] {
    const out: FailedItem[] = [];
    if (limit <= 0) return out;
    let skip = offset;
    for (const f of this.#failed.values()) {
      if (skip > 0) {
        skip--;
        continue;
      }
      out.push({ queue: this.name, message: copyMessage(f.message), attempt: f.attempt, error: copyFailure(f.error), failedAt: f.failedAt });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Move failed items (all, or those ids) back to ready with attempt 0. One whose id is pending again
   * (re-sent meanwhile) stays failed, so the queue never holds an id twice.
   */
  replay(ids: readonly string[] | undefined, now: number): number {
    let moved = 0;
    for (const id of ids ?? [...this.#failed.keys()]) {
      const f = this.#failed.get(id);
      if (f === undefined || this.#entries.has(id)) continue;
      this.#failed.delete(id);
      this.add(f.message, undefined, now, f.priority);
      moved++;
    }
    return moved;
  }

  /** Delete failed items (all, or those ids). */
  purgeFailed(ids: readonly string[] | undefined): number {
    if (ids === undefined) {
      const n = this.#failed.size;
      this.#failed.clear();
      return n;
    }
    let deleted = 0;
    for (const id of ids) if (this.#failed.delete(id)) deleted++;
    return deleted;
  }

  /** Drop every item (waiting claims keep waiting). */
  clear(): void {
    this.#entries.clear();
    this.#ready.clear();
    this.#delayed.clear();
    this.#leases.clear();
    this.#failed.clear();
    this.#completed.clear();
    this.#holders.clear();
    this.#keys.clear();
    this.#throttled.clear();
    this.#delayedCount = 0;
    this.#leasedCount = 0;
    if (this.#groups !== undefined) this.#groups = new FairGroups(this.#groups.limits);
    this.#alarm.clear();
  }

  /** Resolve every waiting claim empty (the server dropped its connections). */
  interrupt(): void {
    for (const waiter of [...this.#waiters]) waiter.settle([]);
  }

  // Ended windows are dropped in sweeps when the map has doubled, so a stream of distinct keys stays bounded at amortised O(1).
  #sweepThrottles(now: number): void {
    if (this.#throttled.size < this.#sweepAt) return;
    for (const [key, until] of this.#throttled) if (until <= now) this.#throttled.delete(key);
    this.#sweepAt = Math.max(1024, 2 * this.#throttled.size);
  }

  /** Remove a pending entry that is not leased (cancel, debounce), releasing its key. */
  #remove(entry: Entry): void {
    this.#entries.delete(entry.message.id);
    entry.version++;
    if (entry.state === 'delayed') this.#delayedCount--;
    else if (this.#groups === undefined) this.#ready.remove(entry);
    else this.#groups.remove(entry);
    this.#releaseKey(entry);
  }

  /** `entry` left the queue: its key, if it still holds it, is free. */
  #releaseKey(entry: Entry): void {
    if (entry.key !== undefined && this.#keys.get(entry.key) === entry) this.#keys.delete(entry.key);
  }

  /** Make `entry` ready now, or delayed until `dueAt` when that is in the future. */
  #schedule(entry: Entry, dueAt: number | undefined, now: number): void {
    entry.version++;
    entry.updatedAt = now;
    if (dueAt !== undefined && dueAt > now) {
      entry.state = 'delayed';
      entry.dueAt = dueAt;
      this.#delayedCount++;
      this.#delayed.push({ at: dueAt, seq: this.#seq++, entry, version: entry.version });
    } else {
      entry.state = 'ready';
      if (this.#groups === undefined) this.#ready.push(entry);
      else this.#groups.push(entry, now);
    }
  }

  get #readyCount(): number {
    return this.#groups === undefined ? this.#ready.length : this.#groups.length;
  }

  #claimable(now: number): boolean {
    return this.#groups === undefined ? this.#ready.length > 0 : this.#groups.claimable(now);
  }

  /** A lease of `entry` ended (ack, nack, expiry): one slot of the queue, and of the group it was claimed in, is free. */
  #leaseEnded(entry: Entry, now: number): void {
    this.#leasedCount--;
    if (entry.group === undefined) return;
    this.#groups?.ended(entry.group, now);
    entry.group = undefined;
  }

  /**
   * Rebuild the groups for new limits: the ready items move to the groups of the new `by` (or back to
   * one queue without a group) in the queue's order, leases count toward the group they were claimed
   * in, and the rate windows of groups of the same names are kept.
   */
  #regroup(limits: QueueLimits, now: number): void {
    const old = this.#groups;
    if (old === undefined && limits.group === undefined) return;
    let ready: Entry[];
    if (old !== undefined) ready = old.ordered();
    else {
      ready = [];
      for (let entry = this.#ready.shift(); entry !== undefined; entry = this.#ready.shift()) ready.push(entry);
    }
    this.#ready.clear();
    if (limits.group === undefined) {
      this.#groups = undefined;
      for (const entry of ready) this.#ready.push(entry);
      return;
    }
    const groups = new FairGroups<Entry>(limits.group);
    for (const entry of this.#entries.values()) if (entry.state === 'leased' && entry.group !== undefined) groups.counted(entry.group, now);
    if (old !== undefined) groups.keepWindows(old, now);
    for (const entry of ready) groups.push(entry, now);
    this.#groups = groups;
  }

  /** Move due delayed items and items whose lease ran out to ready. */
  #promote(now: number): void {
    for (let top = this.#live(this.#delayed); top !== undefined && top.at <= now; top = this.#live(this.#delayed)) {
      this.#delayed.pop();
      this.#delayedCount--;
      this.#schedule(top.entry, undefined, now);
    }
    for (let top = this.#live(this.#leases); top !== undefined && top.at <= now; top = this.#live(this.#leases)) {
      this.#leases.pop();
      this.#leaseEnded(top.entry, now);
      top.entry.token = '';
      this.#unhold(top.entry);
      this.#schedule(top.entry, undefined, now);
    }
  }

  /** The heap's top after discarding stale nodes. */
  #live(heap: BinaryHeap<Timed>): Timed | undefined {
    for (let top = heap.peek(); top !== undefined; top = heap.peek()) {
      if (top.version === top.entry.version && this.#entries.get(top.entry.message.id) === top.entry) return top;
      heap.pop();
    }
    return undefined;
  }

  #nextAt(heap: BinaryHeap<Timed>): number {
    return this.#live(heap)?.at ?? Number.POSITIVE_INFINITY;
  }

  /** A new lease of `entry` (already counted as leased): fresh token, attempt + 1, what the old lease carried dropped. */
  #lease(entry: Entry, leaseMs: number, now: number): void {
    entry.attempt++;
    entry.token = newLeaseToken();
    entry.abort = undefined;
    entry.progress = undefined;
    entry.leaseUntil = now + leaseMs;
    entry.version++;
    entry.updatedAt = now;
    this.#leases.push({ at: entry.leaseUntil, seq: this.#seq++, entry, version: entry.version });
  }

  #delivery(entry: Entry): Delivery {
    return { queue: this.name, message: copyMessage(entry.message), token: entry.token, attempt: entry.attempt, leaseUntil: entry.leaseUntil };
  }

  /** The entry `holder` holds a live lease on. */
  #heldBy(holder: string, now: number): Entry | undefined {
    const entry = this.#holders.get(holder);
    if (entry === undefined) return undefined;
    if (entry.holder === holder && entry.state === 'leased' && entry.leaseUntil > now && this.#entries.get(entry.message.id) === entry) return entry;
    this.#holders.delete(holder);
    return undefined;
  }

  /** The lease of `entry` ended (ack, nack, expiry): it no longer belongs to its holder. */
  #unhold(entry: Entry): void {
    if (entry.holder === undefined) return;
    if (this.#holders.get(entry.holder) === entry) this.#holders.delete(entry.holder);
    entry.holder = undefined;
  }

  /** The entry when `ref.token` still holds its lease. */
  #held(ref: LeaseRef, now: number): Entry | undefined {
    const entry = this.#entries.get(ref.id);
    if (entry?.state !== 'leased' || entry.token !== ref.token || entry.leaseUntil <= now) return undefined;
    return entry;
  }
}
