import { matchPattern, type KeyOutcome, type Message, type Outgoing, type PendingPublish, type ScheduleRecord } from '@wrkr/core/backend';
import { Alarm } from './alarm';
import { BinaryHeap } from './binary-heap';
import { LifecycleHub } from './lifecycle-hub';
import { copySchedule, copyMessage } from './copy';
import { QueueState } from './queue-state';
import { WorkerRegistry } from './worker-registry';

/** A delayed publish, stored once and routed when due. */
interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly message: Message;
  readonly priority: number;
  /** The job key it holds among the pending publishes (dedupe or debounce). */
  readonly key?: string;
}

const earlier = (a: Scheduled, b: Scheduled): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/**
 * All data of one namespace: bindings, queues, delayed publishes, schedules and workers. Delayed
 * publishes sit in a heap by due time (cancelled ones are skipped lazily: the index `#scheduled` no longer
 * points at them) and an alarm routes them at their due time even when nobody claims.
 */
export class NamespaceState {
  readonly #queues = new Map<string, QueueState>();
  readonly #bindings = new Map<string, Set<string>>();
  readonly #scheduled = new Map<string, Scheduled>();
  readonly #due = new BinaryHeap<Scheduled>(earlier);
  readonly #schedules = new Map<string, ScheduleRecord>();
  /** Job key → the pending delayed publish holding it. */
  readonly #pendingKeys = new Map<string, Scheduled>();
  /** Throttle key of delayed publishes → epoch ms its window ends. */
  readonly #pendingThrottled = new Map<string, number>();
  readonly #alarm: Alarm;
  #seq = 0;
  /** Worker registrations. */
  readonly workers = new WorkerRegistry();
  /** Lifecycle events and counters. */
  readonly lifecycle = new LifecycleHub();

  constructor(private readonly clock: () => number) {
    this.#alarm = new Alarm(clock, () => this.tick(clock()));
  }

  /** The queue's state, created on first use. */
  queue(name: string): QueueState {
    let q = this.#queues.get(name);
    if (q === undefined) {
      q = new QueueState(name, this.clock);
      this.#queues.set(name, q);
    }
    return q;
  }

  /** Route the delayed publishes due by `now`, then aim the alarm at the next one. */
  tick(now: number): void {
    let top = this.#live();
    // Every call of every client ticks first: nothing is allocated unless a delayed publish is due.
    if (top === undefined || top.at > now) {
      this.#alarm.set(top?.at);
      return;
    }
    const touched = new Set<QueueState>();
    for (; top !== undefined && top.at <= now; top = this.#live()) {
      this.#due.pop();
      this.#unschedule(top);
      this.#route(top.message, now, touched, top.priority);
    }
    for (const q of touched) q.drain(now);
    this.#alarm.set(this.#live()?.at);
  }

  /**
   * Route undelayed messages now (a key acting in each queue reached); store delayed ones once (a stored
   * id is ignored; a key acting among the pending publishes). Returns what the keys did.
   */
  publish(items: readonly Outgoing[], now: number): KeyOutcome[] {
    const touched = new Set<QueueState>();
    const outcomes: KeyOutcome[] = [];
    items.forEach((o, index) => {
      const { message, dueAt, priority = 0 } = o;
      if (dueAt !== undefined && dueAt > now) {
        if (this.#scheduled.has(message.id)) return;
        if (o.key === undefined) {
          this.#store({ at: dueAt, seq: this.#seq++, message: copyMessage(message), priority });
          return;
        }
        outcomes.push({ index, ...this.#storeKeyed(o, dueAt, now) });
      } else if (o.key === undefined) {
        this.#route(copyMessage(message), now, touched, priority);
      } else {
        for (const q of this.#matching(message.name)) {
          const outcome = q.addKeyed(o, now);
          outcomes.push({ index, ...outcome });
          if (outcome.outcome === 'added' || outcome.outcome === 'replaced') touched.add(q);
        }
      }
    });
    for (const q of touched) q.drain(now);
    this.#alarm.set(this.#live()?.at);
    return outcomes;
  }

  /** Put messages straight into one queue; returns what the keys did. */
  send(queue: string, items: readonly Outgoing[], now: number): KeyOutcome[] {
    const q = this.queue(queue);
    const outcomes: KeyOutcome[] = [];
    items.forEach((o, index) => {
      if (o.key === undefined) q.add(copyMessage(o.message), o.dueAt, now, o.priority);
      else outcomes.push({ index, ...q.addKeyed(o, now) });
    });
    q.drain(now);
    return outcomes;
  }

  /** Remove a not-yet-due message with this id: the delayed publish and delayed items of every queue. */
  cancel(id: string): boolean {
    const s = this.#scheduled.get(id);
    if (s !== undefined) this.#unschedule(s);
    let removed = s !== undefined;
    for (const q of this.#queues.values()) if (q.cancelDelayed(id)) removed = true;
    return removed;
  }

  /** Bind a queue to a pattern. */
  bind(queue: string, pattern: string): void {
    this.queue(queue);
    let patterns = this.#bindings.get(queue);
    if (patterns === undefined) {
      patterns = new Set();
      this.#bindings.set(queue, patterns);
    }
    patterns.add(pattern);
  }

  /** Remove one binding. */
  unbind(queue: string, pattern: string): void {
    const patterns = this.#bindings.get(queue);
    if (patterns?.delete(pattern) && patterns.size === 0) this.#bindings.delete(queue);
  }

  /** Bindings, all or of one queue, in binding order. */
  bindings(queue?: string): Array<{ queue: string; pattern: string }> {
    const out: Array<{ queue: string; pattern: string }> = [];
    for (const [q, patterns] of this.#bindings) {
      if (queue !== undefined && q !== queue) continue;
      for (const pattern of patterns) out.push({ queue: q, pattern });
    }
    return out;
  }

  /** Names of queues that are bound or hold items, sorted. */
  queueNames(): string[] {
    const names: string[] = [];
    for (const [name, q] of this.#queues) if (this.#bindings.has(name) || !q.empty) names.push(name);
    return names.sort();
  }

  /** Delete a queue's bindings and items. */
  deleteQueue(queue: string): void {
    this.#bindings.delete(queue);
    this.lifecycle.reset(queue);
    const q = this.#queues.get(queue);
    if (q === undefined) return;
    q.clear();
    q.setPaused(false, 0);
    q.setLimits({}, 0);
    // Waiting claims hold the state object; it is dropped once nobody waits on it.
    if (!q.awaited) this.#queues.delete(queue);
  }

  /** Create or replace a schedule. */
  upsertSchedule(record: ScheduleRecord): void {
    this.#schedules.set(record.name, copySchedule(record));
  }

  /** Delete a schedule; false when there was none. */
  removeSchedule(name: string): boolean {
    return this.#schedules.delete(name);
  }

  /** One schedule (a copy), or undefined. */
  getSchedule(name: string): ScheduleRecord | undefined {
    const r = this.#schedules.get(name);
    return r && copySchedule(r);
  }

  /** All schedules (copies), by name. */
  listSchedules(): ScheduleRecord[] {
    return [...this.#schedules.keys()].sort().map((name) => copySchedule(this.#schedules.get(name)!));
  }

  /** Compare-and-set one occurrence of a schedule and publish its message, or change nothing. */
  fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message, now: number): boolean {
    const r = this.#schedules.get(name);
    if (r === undefined || r.nextRunAt !== expected.runAt || r.updatedAt !== expected.updatedAt) return false;
    this.#schedules.set(name, { ...r, nextRunAt, lastRunAt: expected.runAt });
    this.publish([{ message }], now);
    return true;
  }

  /** Resolve every waiting claim empty (the server dropped its connections). */
  interrupt(): void {
    for (const q of this.#queues.values()) q.interrupt();
  }

  /** Forget everything: resolve waiting claims empty and disarm every alarm. */
  destroy(): void {
    this.interrupt();
    for (const q of this.#queues.values()) q.clear();
    this.#alarm.clear();
  }

  #store(s: Scheduled): void {
    this.#scheduled.set(s.message.id, s);
    this.#due.push(s);
  }

  /** A keyed delayed publish, acting among the pending publishes (see KeyMode). */
  #storeKeyed(o: Outgoing, dueAt: number, now: number): Omit<KeyOutcome, 'index'> {
    const key = o.key!;
    const s: Scheduled = { at: dueAt, seq: this.#seq++, message: copyMessage(o.message), priority: o.priority ?? 0 };
    if (o.keyMode === 'throttle') {
      const until = this.#pendingThrottled.get(key);
      if (until !== undefined && until > now) return { outcome: 'throttled' };
      for (const [k, end] of this.#pendingThrottled) if (end <= now) this.#pendingThrottled.delete(k);
      this.#pendingThrottled.set(key, now + o.keyTtlMs!);
      this.#store(s);
      return { outcome: 'added' };
    }
    const holder = this.#pendingKeys.get(key);
    if (holder !== undefined && o.keyMode === 'dedupe') return { outcome: 'deduped', id: holder.message.id };
    if (holder !== undefined) this.#unschedule(holder);
    this.#store({ ...s, key });
    this.#pendingKeys.set(key, this.#scheduled.get(s.message.id)!);
    return holder === undefined ? { outcome: 'added' } : { outcome: 'replaced', id: holder.message.id };
  }

  /** Forget a stored delayed publish (routed, cancelled or replaced), releasing its key. */
  #unschedule(s: Scheduled): void {
    this.#scheduled.delete(s.message.id);
    if (s.key !== undefined && this.#pendingKeys.get(s.key) === s) this.#pendingKeys.delete(s.key);
  }

  /** The queues bound to a pattern matching `name`. */
  #matching(name: string): QueueState[] {
    const out: QueueState[] = [];
    for (const [queue, patterns] of this.#bindings) {
      for (const pattern of patterns) {
        if (!matchPattern(pattern, name)) continue;
        out.push(this.queue(queue));
        break;
      }
    }
    return out;
  }

  #route(message: Message, now: number, touched: Set<QueueState>, priority = 0): void {
    for (const [queue, patterns] of this.#bindings) {
      for (const pattern of patterns) {
        if (!matchPattern(pattern, message.name)) continue;
        if (this.queue(queue).add(message, undefined, now, priority)) touched.add(this.queue(queue));
        break;
      }
    }
  }

  /** Delayed publishes still stored, soonest due first. */
  pending(offset: number, limit: number): PendingPublish[] {
    const all = [...this.#scheduled.values()].sort((a, b) => a.at - b.at || a.seq - b.seq).slice(offset, offset + limit);
    return all.map((s) => ({ id: s.message.id, name: s.message.name, ...(s.message.tid !== undefined ? { tid: s.message.tid } : {}), dueAt: s.at }));
  }

  /** The next delayed publish still stored. */
  #live(): Scheduled | undefined {
    for (let top = this.#due.peek(); top !== undefined; top = this.#due.peek()) {
      if (this.#scheduled.get(top.message.id) === top) return top;
      this.#due.pop();
    }
    return undefined;
  }
}
