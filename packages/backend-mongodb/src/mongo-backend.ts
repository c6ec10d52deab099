import { randomUUID } from 'node:crypto';
import {
  BaseBackend,
  ClosedError,
  matchPattern,
  NotStartedError,
  silentLogger,
  WakeTickets,
  type AbortRequest,
  ALL_CAPABILITIES,
  type ClaimOptions,
  type Delivery,
  type FailedItem,
  type GroupLimits,
  type KeyOutcome,
  type JobListOptions,
  type JobRecord,
  type KeepCompleted,
  type LeaseRef,
  type LifecycleEvent,
  type LifecycleListener,
  type LifecycleSubscription,
  type ListOptions,
  type Logger,
  type Message,
  type NackOutcome,
  type Outgoing,
  type PendingPublish,
  type QueueCounters,
  type QueueLimits,
  type QueueStats,
  type ScheduleRecord,
  type WorkerInfo,
} from '@wrkr/core/backend';
import { MongoClient, type Db } from 'mongodb';
import { DelayedRouter, recentlyRouted, routingGuard } from './delayed-router';
import {
  loadMessage,
  storeMessage,
  type BindingDoc,
  type CompletedDoc,
  type DelayedDoc,
  type FailedDoc,
  type GroupDoc,
  type GuardDoc,
  type ItemDoc,
  type LeaseDoc,
  type LimitsDoc,
  type QueueDoc,
  type ScheduleDoc,
  type StartDoc,
  type StoredMessage,
  type WorkerDoc,
} from './documents';
import { asBackendError, duplicateIndexes, isDuplicateKey } from './errors';
import { ensureIndexes } from './indexes';
import { Guards } from './guards';
import { CollectionNames } from './names';
import { resolveOptions, type MongoBackendOptions, type ResolvedOptions } from './options';
import { AbortStore, type AbortDoc } from './abort-store';
import { FairGroups } from './fair-groups';
import { FlowLimits, type Admitted } from './flow-limits';
import { PauseGate } from './pause-gate';
import { ProgressStore, type ProgressDoc } from './progress-store';
import { CompletedStore } from './completed-store';
import { CounterStore, type CounterDoc } from './counter-store';
import { LifecycleFeed, type EventDoc } from './lifecycle-feed';
import { findJob, listJobs } from './job-lookup';
import { JobKeys, type KeyDoc } from './job-keys';
import { listPending } from './pending';
import { QueueStore, type GroupClaim, type NewItem } from './queue-store';
import { Reaper } from './reaper';
import { isTransient, retryTransient } from './retry';
import { ScheduleStore } from './schedule-store';
import { sharedWakeups } from './wakeups';
import { WorkerStore } from './worker-store';


// Housekeeping: finished items a stopped client left behind, old guards, completed-item retention.
const HOUSEKEEPING_MS = 5_000;
const LEFTOVER_AGE_MS = 10_000;

/** Consecutive items split into runs: unkeyed items together, each keyed item alone. */
function runs<T extends { o: Outgoing }>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (const item of list) {
    const last = out.at(-1);
    if (item.o.key === undefined && last !== undefined && last[0]!.o.key === undefined) last.push(item);
    else out.push([item]);
  }
  return out;
}

/**
 * wrkr on MongoDB (and MongoDB-compatible servers such as FerretDB) through the official driver.
 * Collections per namespace; every state change is an insert, a delete, or guarded by a unique insert,
 * so it is atomic even where findAndModify is not. See the package README for the design.
 */
export class MongoBackend extends BaseBackend {
  readonly name = 'mongodb';
  readonly capabilities = ALL_CAPABILITIES;
  /** The namespace this client works in. */
  readonly namespace: string;
  readonly #options: ResolvedOptions;
  readonly #client: MongoClient;
  readonly #ownsClient: boolean;
  readonly #db: Db;
  readonly #names: CollectionNames;
  readonly #log: Logger;
  readonly #instance = randomUUID();
  readonly #wakeups: WakeTickets;
  readonly #pauses: PauseGate;
  readonly #limits: FlowLimits;
  readonly #groups: FairGroups;
  /** Queues whose last claim here found a concurrency limit (queue-wide or per group): their acks wake this client's waiting claims. */
  readonly #slotted = new Set<string>();
  /** Queues whose last claim here was plain (not paused, no rate, no groups): the next one reads the lease log beside the flags. */
  readonly #plain = new Set<string>();
  readonly #aborts: AbortStore;
  readonly #progress: ProgressStore;
  readonly #guards: Guards;
  readonly #reaper: Reaper;
  readonly #completed: CompletedStore;
  readonly #router: DelayedRouter;
  readonly #keys: JobKeys;
  readonly #schedules: ScheduleStore;
  readonly #workers: WorkerStore;
  readonly #stores = new Map<string, Promise<QueueStore>>();
  readonly #counters: CounterStore;
  readonly #feed: LifecycleFeed;
  /** Queues this client counted lifecycle events of: its housekeeping compacts their counters. */
  readonly #counted = new Set<string>();
  #starting?: Promise<void>;
  #started = false;
  #closed = false;
  #housekeeping?: NodeJS.Timeout;
  readonly #waiting = new Set<AbortController>();

  constructor(options: MongoBackendOptions = {}) {
    super();
    this.#options = resolveOptions(options);
    const o = this.#options;
    this.namespace = o.namespace;
    this.#log = (o.logger ?? silentLogger()).child({ backend: 'mongodb', namespace: o.namespace });
    this.#ownsClient = o.client === undefined;
    this.#client = o.client ?? new MongoClient(o.url, { serverSelectionTimeoutMS: o.connectTimeoutMs, connectTimeoutMS: o.connectTimeoutMs });
    this.#db = this.#client.db(o.dbName);
    this.#names = new CollectionNames(o.namespace);
    this.#pauses = new PauseGate(this.#db.collection<QueueDoc>(this.#names.queues));
    this.#limits = new FlowLimits(this.#db.collection<LimitsDoc>(this.#names.limits), this.#db.collection<StartDoc>(this.#names.starts));
    this.#groups = new FairGroups(this.#db.collection<GroupDoc>(this.#names.groups), (err, queue, what) => this.#log.warn({ err, queue }, `${what} failed; a later claim does it again`));
    this.#aborts = new AbortStore(this.#db.collection<AbortDoc>(this.#names.aborts));
    this.#progress = new ProgressStore(this.#db.collection<ProgressDoc>(this.#names.progress));
    this.#wakeups = sharedWakeups(`${o.client === undefined ? o.url : 'client'}|${o.dbName}|${o.namespace}`);
    this.#guards = new Guards(this.#db.collection<GuardDoc>(this.#names.guards), this.#instance);
    this.#reaper = new Reaper((q) => this.#queue(q), this.#log);
    this.#completed = new CompletedStore(this.#db.collection<CompletedDoc>(this.#names.completed));
    this.#router = new DelayedRouter(
      this.#db.collection<DelayedDoc>(this.#names.delayed),
      this.#db.collection<GuardDoc>(this.#names.guards),
      this.#instance,
      (messages) => this.#route(messages, Date.now()),
      (routed) => this.#releasePendingKeys(routed),
      o.pollMax,
      this.#log,
    );
    this.#keys = new JobKeys(
      this.#db.collection<KeyDoc>(this.#names.keys),
      this.#db.collection<GuardDoc>(this.#names.guards),
      this.#guards,
      this.#db.collection<DelayedDoc>(this.#names.delayed),
      this.#instance,
    );
    this.#schedules = new ScheduleStore(this.#db.collection<ScheduleDoc>(this.#names.schedules), this.#guards, (m) => this.#publishNow([m]));
    this.#workers = new WorkerStore(this.#db.collection<WorkerDoc>(this.#names.workers), this.#guards);
    this.#counters = new CounterStore(this.#db.collection<CounterDoc>(this.#names.counters), this.#guards);
    this.#feed = new LifecycleFeed(this.#db.collection<EventDoc>(this.#names.events), this.#counters, this.#instance.slice(0, 8), this.#log);
  }

  /** The database this backend writes to. */
  get db(): Db {
    return this.#db;
  }

  protected _start(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('mongodb backend'));
    this.#starting ??= this.#start().catch((err: unknown) => {
      this.#starting = undefined;
      throw asBackendError(err, `start on ${this.#options.client === undefined ? this.#options.url : 'the given client'}`);
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#ownsClient) await this.#client.connect();
    const n = this.#names;
    await Promise.all([
      ensureIndexes(this.#db.collection(n.bindings), [{ key: { q: 1 } }]),
      ensureIndexes(this.#db.collection(n.delayed), [{ key: { at: 1 } }]),
      ensureIndexes(this.#db.collection(n.failed), [{ key: { q: 1, at: 1 } }]),
      ensureIndexes(this.#db.collection(n.completed), [{ key: { q: 1, at: 1 } }]),
      ensureIndexes(this.#db.collection(n.guards), [{ key: { ts: 1 } }]),
      ensureIndexes(this.#db.collection(n.workers), [{ key: { expiresAt: 1 } }]),
      ensureIndexes(this.#db.collection(n.events), [{ key: { q: 1, _id: 1 } }, { key: { at: 1 } }]),
      ensureIndexes(this.#db.collection(n.counters), [{ key: { q: 1, at: 1 } }]),
      ensureIndexes(this.#db.collection(n.starts), [{ key: { q: 1, t: 1 } }]),
      ensureIndexes(this.#db.collection(n.groups), [{ key: { q: 1 } }]),
      ensureIndexes(this.#db.collection(n.keys), [{ key: { q: 1 } }, { key: { exp: 1 }, options: { sparse: true } }]),
    ]);
    this.#started = true;
    this.#router.start();
    this.#housekeeping = setInterval(() => void this.#houseKeep(), HOUSEKEEPING_MS);
    this.#housekeeping.unref();
  }

  protected async _close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#housekeeping);
    for (const w of this.#waiting) w.abort();
    this.#wakeups.wakeAll();
    await this.#router.stop();
    if (this.#started) await this.#feed.close();
    this.#reaper.stop();
    await this.#groups.flush();
    if (this.#started) await this.#reaper.flush().catch((err: unknown) => this.#log.warn({ err }, 'removing finished items at close failed; another client will'));
    if (this.#ownsClient) await this.#client.close();
  }

  protected _bind(queue: string, pattern: string): Promise<void> {
    return this.#run('bind', async () => {
      await this.#queue(queue);
      try {
        await this.#db.collection<BindingDoc>(this.#names.bindings).insertOne({ _id: `${queue} ${pattern}`, q: queue, p: pattern });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    });
  }

  protected _unbind(queue: string, pattern: string): Promise<void> {
    return this.#run('unbind', async () => {
      await this.#db.collection<BindingDoc>(this.#names.bindings).deleteOne({ _id: `${queue} ${pattern}` });
    });
  }

  protected _bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    return this.#run('bindings', async () => {
      const docs = await this.#db.collection<BindingDoc>(this.#names.bindings).find(queue === undefined ? {} : { q: queue }).toArray();
      return docs.map((d) => ({ queue: d.q, pattern: d.p }));
    });
  }

  protected _queues(): Promise<string[]> {
    return this.#run('queues', async () => {
      const [known, bound] = await Promise.all([
        this.#db.collection<QueueDoc>(this.#names.queues).find({}).toArray(),
        this.#db.collection<BindingDoc>(this.#names.bindings).distinct('q'),
      ]);
      const boundSet = new Set(bound);
      const failed = this.#db.collection<FailedDoc>(this.#names.failed);
      const names = await Promise.all(
        known.map(async ({ _id: q }) => {
          if (boundSet.has(q)) return q;
          const store = await this.#queue(q);
          const holds = (await store.items.findOne({}, { projection: { _id: 1 } })) !== null || (await failed.findOne({ q }, { projection: { _id: 1 } })) !== null;
          return holds ? q : undefined;
        }),
      );
      return names.filter((q): q is string => q !== undefined).sort();
    });
  }

  protected _deleteQueue(queue: string): Promise<void> {
    return this.#run('deleteQueue', async () => {
      const n = this.#names;
      // Unregistered before the drop: a client acking from its memory of a lease checks the registration
      // after its write, so a write that landed after the drop is found void (QueueStore `registered`).
      await this.#db.collection<QueueDoc>(n.queues).deleteOne({ _id: queue });
      await this.#db.collection<BindingDoc>(n.bindings).deleteMany({ q: queue });
      await Promise.all([this.#drop(n.items(queue)), this.#drop(n.leases(queue))]);
      await this.#db.collection<FailedDoc>(n.failed).deleteMany({ q: queue });
      await this.#db.collection<CompletedDoc>(n.completed).deleteMany({ q: queue });
      await this.#keys.dropQueue(queue);
      await this.#aborts.sweep(Date.now(), queue);
      await this.#progress.sweep(Date.now(), queue);
      await this.#counters.drop(queue);
      await this.#feed.drop(queue);
      await this.#limits.drop(queue);
      await this.#groups.drop(queue);
      this.#stores.delete(queue);
      this.#wakeups.wake(queue);
    });
  }

  async #drop(collection: string): Promise<void> {
    try {
      await this.#db.collection(collection).drop();
    } catch (err) {
      // Older servers (and FerretDB) answer "ns not found" for a collection that does not exist.
      if ((err as { code?: number }).code !== 26) throw err;
    }
  }

  protected _publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.#run('publish', async () => {
      const now = Date.now();
      const outcomes: KeyOutcome[] = [];
      const later = items.flatMap((o, index) => (o.dueAt !== undefined && o.dueAt > now ? [{ o, index }] : []));
      const ready = items.flatMap((o, index) => (o.dueAt !== undefined && o.dueAt > now ? [] : [{ o, index }]));
      if (later.length > 0) {
        const delayed = this.#db.collection<DelayedDoc>(this.#names.delayed);
        // In call order: runs of unkeyed publishes in one insertMany, keyed ones one by one (a later key sees an earlier one).
        for (const run of runs(later)) {
          const docs: DelayedDoc[] = run.map(({ o }) => ({ _id: o.message.id, at: o.dueAt!, m: storeMessage(o.message, o.priority) }));
          if (run[0]!.o.key !== undefined) {
            const outcome = await this.#keys.addPending(run[0]!.o, docs[0]!);
            if (outcome !== undefined) outcomes.push({ index: run[0]!.index, ...outcome });
          } else {
            try {
              await delayed.insertMany(docs, { ordered: false });
            } catch (err) {
              duplicateIndexes(err);
            }
          }
        }
        this.#router.noteDue(Math.min(...later.map(({ o }) => o.dueAt!)));
      }
      if (ready.length > 0 && ready.every(({ o }) => o.key === undefined)) await this.#route(ready.map(({ o }) => storeMessage(o.message, o.priority)), now);
      else if (ready.length > 0) outcomes.push(...(await this.#routeKeyed(ready, now)));
      return outcomes.sort((x, y) => x.index - y.index);
    });
  }

  /** Route undelayed messages of which some are keyed: per queue reached, in call order, a key acting in each. */
  async #routeKeyed(ready: ReadonlyArray<{ o: Outgoing; index: number }>, now: number): Promise<KeyOutcome[]> {
    const bindings = await this.#db.collection<BindingDoc>(this.#names.bindings).find({}).toArray();
    const perQueue = new Map<string, Array<{ o: Outgoing; index: number }>>();
    for (const item of ready) {
      for (const q of new Set(bindings.filter((b) => matchPattern(b.p, item.o.message.name)).map((b) => b.q))) {
        let list = perQueue.get(q);
        if (list === undefined) perQueue.set(q, (list = []));
        list.push(item);
      }
    }
    const outcomes = await Promise.all([...perQueue].map(async ([q, list]) => this.#addInOrder(await this.#queue(q), list, now)));
    return outcomes.flat();
  }

  /** Add items to one queue in call order: runs of unkeyed items in one insert, keyed ones one by one. */
  async #addInOrder(store: QueueStore, list: ReadonlyArray<{ o: Outgoing; index: number }>, now: number): Promise<KeyOutcome[]> {
    const outcomes: KeyOutcome[] = [];
    try {
      for (const run of runs(list)) {
        const first = run[0]!.o;
        if (first.key === undefined) {
          await store.add(run.map(({ o }): NewItem => ({ m: storeMessage(o.message, o.priority), at: o.dueAt ?? now })));
        } else {
          outcomes.push({ index: run[0]!.index, ...(await this.#keys.addToQueue(store, first, storeMessage(first.message, first.priority), first.dueAt ?? now)) });
        }
      }
    } finally {
      this.#wakeups.wake(store.queue);
    }
    return outcomes;
  }

  /**
   * Release the key a finished item held. Not retried with the call: the item's final entry is written,
   * so a retried ack would answer false. A failed release leaves a guard that takers find finished (or,
   * once the item is removed, stale; see JobKeys).
   */
  async #releaseItemKey(queue: string, key: string, id: string, c: string): Promise<void> {
    await this.#keys.releaseItem(queue, key, id, c).catch((err: unknown) => this.#log.warn({ err, queue, id }, 'releasing a job key failed; the next writer of the key releases it'));
  }

  /** Release the keys delayed publishes held (routed or cancelled); a failure leaves guards that takers find stale (see JobKeys). */
  async #releasePendingKeys(gone: readonly DelayedDoc[]): Promise<void> {
    for (const d of gone) {
      await this.#keys.releasePending(d.k!, d._id).catch((err: unknown) => this.#log.warn({ err, id: d._id }, 'releasing the job key of a delayed publish failed; it goes stale'));
    }
  }

  /** Route undelayed messages now. */
  #publishNow(messages: readonly Message[]): Promise<void> {
    return this.#route(messages.map(storeMessage), Date.now());
  }

  /** Put messages into every queue bound (now) to a pattern matching their name. */
  async #route(messages: readonly StoredMessage[], now: number): Promise<void> {
    const bindings = await this.#db.collection<BindingDoc>(this.#names.bindings).find({}).toArray();
    const perQueue = new Map<string, StoredMessage[]>();
    for (const m of messages) {
      const queues = new Set(bindings.filter((b) => matchPattern(b.p, m.name)).map((b) => b.q));
      for (const q of queues) {
        let list = perQueue.get(q);
        if (list === undefined) perQueue.set(q, (list = []));
        list.push(m);
      }
    }
    await Promise.all(
      [...perQueue].map(async ([q, list]) => {
        const store = await this.#queue(q);
        await store.add(list.map((m) => ({ m, at: now })));
        this.#wakeups.wake(q);
      }),
    );
  }

  protected _send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    return this.#run('send', async () => {
      const now = Date.now();
      const store = await this.#queue(queue);
      if (items.some((o) => o.key !== undefined)) return this.#addInOrder(store, items.map((o, index) => ({ o, index })), now);
      await store.add(items.map((o) => ({ m: storeMessage(o.message, o.priority), at: o.dueAt ?? now })));
      this.#wakeups.wake(queue);
      return [];
    });
  }

  protected _cancel(id: string): Promise<boolean> {
    return this.#run('cancel', async () => {
      const now = Date.now();
      let removed = false;
      const delayed = this.#db.collection<DelayedDoc>(this.#names.delayed);
      const doc = await delayed.findOne({ _id: id });
      // The routing guard of the current window: a router that holds it is delivering the publish now.
      const guards = this.#db.collection<GuardDoc>(this.#names.guards);
      if (doc !== null && doc.at > now && (await recentlyRouted(guards, [id], now)).size === 0 && (await this.#guards.acquire(routingGuard(id, now)))) {
        removed = (await delayed.deleteOne({ _id: id })).deletedCount === 1;
        if (removed && doc.k !== undefined) await this.#releasePendingKeys([doc]);
      }
      const known = await this.#db.collection<QueueDoc>(this.#names.queues).find({}).toArray();
      for (const { _id: q } of known) {
        const cancelled = await (await this.#queue(q)).cancelDelayed(id);
        if (cancelled === undefined) continue;
        removed = true;
        if (cancelled.k !== undefined) await this.#releaseItemKey(q, cancelled.k, id, cancelled.c);
      }
      return removed;
    });
  }

  protected _claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    return this.#run('claim', async () => {
      const { max, leaseMs, waitMs, signal, holder } = options;
      const store = await this.#queue(queue);
      if (waitMs === 0 || signal?.aborted) return (await this.#claimOnce(store, max, leaseMs, holder)).deliveries;
      return this.#claimWaiting(store, max, leaseMs, waitMs, signal, holder);
    });
  }

  /**
   * Claim, waiting up to `waitMs`: woken at once by local writes to the queue, at the next known due
   * time or lease end, and otherwise by polling from `pollMs.min` backing off to `pollMs.max`. Transient
   * connection failures while waiting are ridden out (the driver reconnects) rather than thrown.
   */
  async #claimWaiting(store: QueueStore, max: number, leaseMs: number, waitMs: number, signal: AbortSignal | undefined, holder: string | undefined): Promise<Delivery[]> {
    const deadline = Date.now() + waitMs;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#waiting.add(stop);
    let delay = this.#options.pollMin;
    try {
      for (;;) {
        const ticket = this.#wakeups.ticket(store.queue);
        try {
          let nextAt = Number.POSITIVE_INFINITY;
          try {
            const got = await this.#claimOnce(store, max, leaseMs, holder);
            if (got.deliveries.length > 0) return got.deliveries;
            nextAt = got.nextAt;
          } catch (err) {
            // Closing the client interrupts the query of a pending claim: it resolves empty.
            if (this.#closed || stop.signal.aborted) return [];
            if (!isTransient(err)) throw err;
            this.#log.warn({ err, queue: store.queue }, 'claim failed on a connection problem; retrying while waiting');
          }
          const now = Date.now();
          if (stop.signal.aborted || this.#closed || now >= deadline) return [];
          await ticket.wait(Math.min(deadline, now + delay, Math.max(nextAt, now)), stop.signal);
          delay = ticket.woken ? this.#options.pollMin : Math.min(delay * 2, this.#options.pollMax);
          if (stop.signal.aborted || this.#closed) return [];
        } finally {
          ticket.release();
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#waiting.delete(stop);
    }
  }

  /**
   * One claim attempt; a paused queue yields nothing and no due time, so waiters poll until resumed. The
   * queue's limits are read beside the pause flag (one more point read, in parallel); the store keeps the
   * concurrency, the rate window admits the starts after the leases are taken, and what it refuses is
   * given back.
   */
  async #claimOnce(store: QueueStore, max: number, leaseMs: number, holder?: string): Promise<{ deliveries: Delivery[]; nextAt: number }> {
    // The lease log is read beside the flags and limits when the last claim of the queue here was a plain
    // one (one round trip less before the candidates); otherwise after them, so a paused, rate-limited or
    // grouped queue's polls do not read it for nothing.
    const log = this.#plain.has(store.queue) ? store.readLog() : undefined;
    log?.catch(() => undefined);
    const [flags, { limits, groupSince }] = await Promise.all([this.#pauses.claimFlags(store.queue), this.#limits.read(store.queue)]);
    if (limits.concurrency === undefined && limits.group?.concurrency === undefined) this.#slotted.delete(store.queue);
    else this.#slotted.add(store.queue);
    const plain = !flags.paused && limits.group === undefined && limits.rate === undefined;
    if (plain) this.#plain.add(store.queue);
    else this.#plain.delete(store.queue);
    if (flags.paused) return { deliveries: [], nextAt: Number.POSITIVE_INFINITY };
    if (limits.group !== undefined) return this.#claimFair(store, max, leaseMs, flags.prioritised, holder, limits, limits.group, groupSince);
    const { rate } = limits;
    if (rate === undefined) return store.claim(max, leaseMs, flags.prioritised, holder, limits.concurrency, undefined, log);
    const { room, freeAt } = await this.#limits.room(store.queue, rate, Date.now());
    if (room <= 0) return { deliveries: [], nextAt: freeAt };
    const got = await store.claim(Math.min(max, room), leaseMs, flags.prioritised, holder, limits.concurrency);
    if (got.again || got.deliveries.length === 0) return got;
    const admitted = await this.#limits.admit(store.queue, rate, got.deliveries.length, Date.now());
    await store.giveBack(got.deliveries.slice(admitted.kept));
    return { deliveries: got.deliveries.slice(0, admitted.kept), nextAt: admitted.kept > 0 ? got.nextAt : admitted.freeAt };
  }

  /**
   * One claim attempt on a grouped queue. Items added before `by` was set (or changed) are adopted into
   * their groups first; then the registered groups are read in turn order with the room their rate
   * windows leave, the store leases from them one of each in turn (keeping both concurrencies), the
   * queue's rate and then each group's rate admit the starts, what they refuse is given back, and the
   * groups served get a new turn, so the next claim goes on from the group after them.
   */
  async #claimFair(store: QueueStore, max: number, leaseMs: number, prioritised: boolean, holder: string | undefined, limits: QueueLimits, group: GroupLimits, groupSince: number): Promise<{ deliveries: Delivery[]; nextAt: number }> {
    await store.ensureGroupIndex();
    await this.#groups.adopt(store.queue, store.items, group.by, groupSince, Date.now());
    const now = Date.now();
    const queueRoom = limits.rate && (await this.#limits.room(store.queue, limits.rate, now));
    if (queueRoom !== undefined && queueRoom.room <= 0) return { deliveries: [], nextAt: queueRoom.freeAt };
    let nextAt = Number.POSITIVE_INFINITY;
    // Read in parallel with the store's lease log: the groups in turn order, and each one's rate room.
    const plan = (async (): Promise<GroupClaim> => {
      const [order, groupRoom] = await Promise.all([this.#groups.order(store.queue, group.by, now), group.rate && this.#limits.groupRoom(store.queue, group.rate, now)]);
      let room: Map<string, number> | undefined;
      if (group.rate !== undefined && groupRoom !== undefined) {
        room = new Map(order.map((g) => [g, groupRoom.get(g)?.room ?? group.rate!.max]));
        for (const g of order) if (room.get(g)! <= 0) nextAt = Math.min(nextAt, groupRoom.get(g)!.freeAt);
      }
      return { order, ...(group.concurrency !== undefined && { concurrency: group.concurrency }), ...(room !== undefined && { room }) };
    })();
    const got = await store.claim(Math.min(max, queueRoom?.room ?? max), leaseMs, prioritised, holder, limits.concurrency, plan);
    if (got.again) return got;
    // A hint: lost, those groups are only read again by the next claims.
    if (got.empty !== undefined && got.empty.length > 0) await this.#groups.foundEmpty(store.queue, got.empty, now).catch((err: unknown) => this.#log.warn({ err, queue: store.queue }, 'marking groups found empty failed'));
    let deliveries = got.deliveries;
    let groups = got.groups ?? [];
    nextAt = Math.min(nextAt, got.nextAt);
    let queueAdmitted: Admitted | undefined;
    if (limits.rate !== undefined && deliveries.length > 0) {
      queueAdmitted = await this.#limits.admit(store.queue, limits.rate, deliveries.length, Date.now());
      await store.giveBack(deliveries.slice(queueAdmitted.kept));
      if (queueAdmitted.kept === 0) nextAt = queueAdmitted.freeAt;
      deliveries = deliveries.slice(0, queueAdmitted.kept);
      groups = groups.slice(0, queueAdmitted.kept);
    }
    if (group.rate !== undefined && deliveries.length > 0) {
      const counts = new Map<string, number>();
      for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
      const admitted = await this.#limits.admitGroups(store.queue, group.rate, counts, Date.now());
      const keptOf = new Map<string, number>();
      const kept: number[] = [];
      const back: Delivery[] = [];
      deliveries.forEach((d, k) => {
        const g = groups[k]!;
        const a = admitted.get(g)!;
        if ((keptOf.get(g) ?? 0) < a.kept) {
          kept.push(k);
          keptOf.set(g, (keptOf.get(g) ?? 0) + 1);
        } else {
          back.push(d);
          nextAt = Math.min(nextAt, a.freeAt);
        }
      });
      await store.giveBack(back);
      if (queueAdmitted !== undefined && back.length > 0) await queueAdmitted.giveBack(back.length);
      deliveries = kept.map((k) => deliveries[k]!);
      groups = kept.map((k) => groups[k]!);
    }
    this.#groups.served(store.queue, [...new Set(groups)], Date.now());
    return { deliveries, nextAt };
  }

  protected _ack(ref: LeaseRef, keep?: KeepCompleted): Promise<boolean> {
    return this.#run('ack', async () => {
      const acked = await this.#ack(ref, keep);
      // A freed slot is what this client's claims of a concurrency-limited queue may be waiting for.
      if (acked && this.#slotted.has(ref.queue)) this.#wakeups.wake(ref.queue);
      return acked;
    });
  }

  async #ack(ref: LeaseRef, keep: KeepCompleted | undefined): Promise<boolean> {
    const store = await this.#queue(ref.queue);
    const held = keep === undefined ? await store.ack(ref) : await store.ackKept(ref, keep);
    if (held === undefined) return false;
    if (held.y !== undefined) await this.#releaseItemKey(ref.queue, held.y, held.i, held.c);
    if (keep === undefined) return true;
    // The final entry is the ack, and it carries what to keep; a completion left unrecorded here is
    // recorded by housekeeping (of any client) from that entry before the item is removed.
    try {
      await this.#keepCompletion(store, held.i, held.c, held.a, Date.now(), keep);
      this.#reaper.finished(ref.queue, [{ id: held.i, c: held.c }]);
    } catch (err) {
      this.#log.warn({ err, queue: ref.queue, id: ref.id }, 'recording a completed item failed; housekeeping will');
      return true;
    }
    await this.#completed.trim(ref.queue, keep).catch((err: unknown) => this.#log.warn({ err, queue: ref.queue }, 'trimming completed items failed; the next ack will'));
    return true;
  }

  /** Record the completion of an item incarnation whose final entry is a kept ack (repeatable). */
  async #keepCompletion(store: QueueStore, id: string, c: string, attempt: number, at: number, keep: KeepCompleted): Promise<void> {
    const item = await store.items.findOne({ _id: id, c });
    if (item !== null) await this.#completed.record(store.queue, item.m, attempt, at, keep);
  }

  protected _nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    return this.#run('nack', async () => {
      const store = await this.#queue(ref.queue);
      let done: boolean;
      switch (outcome.kind) {
        case 'retry':
          done = await store.retry(ref, outcome.dueAt, outcome.error, false);
          break;
        case 'release':
          done = await store.retry(ref, 0, undefined, true);
          break;
        case 'fail': {
          const held = await store.fail(ref, outcome.error);
          if (held?.y !== undefined) await this.#releaseItemKey(ref.queue, held.y, held.i, held.c);
          done = held !== undefined;
          break;
        }
      }
      if (done) this.#wakeups.wake(ref.queue);
      return done;
    });
  }

  protected _extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    return this.#run('extend', async () => {
      return (await this.#queue(ref.queue)).extend(ref, leaseMs);
    });
  }

  protected _heldBy(queue: string, holder: string): Promise<LeaseRef | undefined> {
    return this.#run('heldBy', async () => (await this.#queue(queue)).heldBy(holder));
  }

  protected _stats(queue: string): Promise<QueueStats> {
    return this.#run('stats', async () => {
      // Counting reads several collections; finishing this client's pending removals first keeps a
      // removal from landing between them.
      await this.#reaper.flush();
      const [stats, paused] = await Promise.all([(await this.#queue(queue)).stats(), this.#pauses.paused(queue)]);
      return paused ? { ...stats, paused } : stats;
    });
  }

  protected _job(queue: string, id: string): Promise<JobRecord | undefined> {
    return this.#run('job', async () => findJob(await this.#queue(queue), this.#db.collection<FailedDoc>(this.#names.failed), this.#completed, id));
  }

  protected _jobs(queue: string, options: JobListOptions): Promise<JobRecord[]> {
    return this.#run('jobs', async () => listJobs(await this.#queue(queue), this.#db.collection<FailedDoc>(this.#names.failed), this.#completed, options));
  }

  protected _pending(options: Required<ListOptions>): Promise<PendingPublish[]> {
    return this.#run('pending', () => listPending(this.#db.collection<DelayedDoc>(this.#names.delayed), options));
  }

  protected _failed(queue: string, options?: ListOptions): Promise<FailedItem[]> {
    return this.#run('failed', async () => {
      const { offset = 0, limit } = options ?? {};
      if (limit === 0) return [];
      let cursor = this.#db.collection<FailedDoc>(this.#names.failed).find({ q: queue }).sort({ at: 1, _id: 1 }).skip(offset);
      if (limit !== undefined) cursor = cursor.limit(limit);
      const docs = await cursor.toArray();
      return docs.map((d) => ({ queue, message: loadMessage(d.m), attempt: d.a, error: d.e, failedAt: d.at }));
    });
  }

  protected _replay(queue: string, ids?: readonly string[]): Promise<number> {
    return this.#run('replay', async () => {
      const failed = this.#db.collection<FailedDoc>(this.#names.failed);
      const docs = await failed.find(ids === undefined ? { q: queue } : { _id: { $in: ids.map((id) => `${queue} ${id}`) } }).sort({ at: 1, _id: 1 }).toArray();
      const store = await this.#queue(queue);
      let moved = 0;
      for (const d of docs) {
        // The failed item itself may still await removal; remove it now so its id can be re-added.
        const stale = await store.finalEntryOf(d.m.id);
        if (stale) await store.remove([stale]);
        if ((await store.add([{ m: d.m, at: Date.now() }])) === 0) continue;
        await failed.deleteOne({ _id: d._id });
        moved++;
      }
      if (moved > 0) this.#wakeups.wake(queue);
      return moved;
    });
  }

  protected _purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    return this.#run('purgeFailed', async () => {
      const failed = this.#db.collection<FailedDoc>(this.#names.failed);
      const filter = ids === undefined ? { q: queue } : { _id: { $in: ids.map((id) => `${queue} ${id}`) } };
      return (await failed.deleteMany(filter)).deletedCount;
    });
  }

  protected _upsertSchedule(record: ScheduleRecord): Promise<void> {
    return this.#run('upsertSchedule', async () => {
      await this.#schedules.upsert(record);
    });
  }

  protected _removeSchedule(name: string): Promise<boolean> {
    return this.#run('removeSchedule', async () => {
      return this.#schedules.remove(name);
    });
  }

  protected _getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return this.#run('getSchedule', async () => {
      return this.#schedules.get(name);
    });
  }

  protected _listSchedules(): Promise<ScheduleRecord[]> {
    return this.#run('listSchedules', () => this.#schedules.list());
  }

  protected _fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    return this.#run('fireSchedule', async () => {
      return this.#schedules.fire(name, expected, nextRunAt, message);
    });
  }

  protected _registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    return this.#run('registerWorker', async () => {
      return this.#workers.set(id, instance, ttlMs, meta, false);
    });
  }

  protected _heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    return this.#run('heartbeat', async () => {
      return this.#workers.set(id, instance, ttlMs, meta, true);
    });
  }

  protected _unregisterWorker(id: string, instance: string): Promise<void> {
    return this.#run('unregisterWorker', async () => {
      await this.#workers.remove(id, instance);
    });
  }

  protected _workers(): Promise<WorkerInfo[]> {
    return this.#run('workers', () => this.#workers.live());
  }

  protected _pause(queue: string): Promise<void> {
    return this.#run('pause', () => this.#pauses.pause(queue));
  }

  protected _setQueueLimits(queue: string, limits: QueueLimits): Promise<void> {
    return this.#run('setQueueLimits', async () => {
      // The grouped claims' index first, so no claim of the grouped queue runs without it.
      if (limits.group !== undefined) await (await this.#queue(queue)).ensureGroupIndex();
      await this.#limits.set(queue, limits);
      this.#wakeups.wake(queue);
    });
  }

  protected _queueLimits(queue: string): Promise<QueueLimits> {
    return this.#run('queueLimits', () => this.#limits.get(queue));
  }

  protected _resume(queue: string): Promise<void> {
    return this.#run('resume', async () => {
      await this.#pauses.resume(queue);
      this.#wakeups.wake(queue);
    });
  }

  protected _abort(queue: string, id: string, request: AbortRequest): Promise<boolean> {
    return this.#run('abort', async () => {
      const held = await (await this.#queue(queue)).heldLease(id);
      if (held === undefined) return false;
      await this.#aborts.put(queue, id, held.token, held.until, request);
      return true;
    });
  }

  protected _abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    return this.#run('abortRequests', () => this.#aborts.find(refs));
  }

  protected _setProgress(ref: LeaseRef, value: string): Promise<boolean> {
    return this.#run('setProgress', async () => {
      const held = await (await this.#queue(ref.queue)).heldLease(ref.id);
      if (held?.token !== ref.token) return false;
      await this.#progress.put(ref, held.until, value);
      return true;
    });
  }

  protected _progress(queue: string, id: string): Promise<string | undefined> {
    return this.#run('progress', async () => {
      const held = await (await this.#queue(queue)).heldLease(id);
      return held === undefined ? undefined : this.#progress.get(queue, id, held.token);
    });
  }

  /** The queue's store; its indexes and registry entry are created on first use by this client. */
  #queue(queue: string): Promise<QueueStore> {
    let p = this.#stores.get(queue);
    if (p === undefined) {
      const n = this.#names;
      const store = new QueueStore(
        queue,
        this.#db.collection<ItemDoc>(n.items(queue)),
        this.#db.collection<LeaseDoc>(n.leases(queue)),
        this.#db.collection<FailedDoc>(n.failed),
        (q, items) => this.#reaper.finished(q, items),
        (q) => this.#pauses.markPrioritised(q),
        (q) => this.#limits.groupBy(q),
        (q, from, needed) => (needed ? this.#groups.ready(q, from) : this.#groups.ready(q, from).catch((err: unknown) => this.#log.warn({ err, queue: q }, 'marking a group ready failed; claims find it when they look again'))),
        async () => (await this.#db.collection<QueueDoc>(n.queues).findOne({ _id: queue }, { projection: { _id: 1 } })) !== null,
      );
      p = (async () => {
        await store.ensureIndexes();
        try {
          await this.#db.collection<QueueDoc>(n.queues).insertOne({ _id: queue });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        return store;
      })();
      p.catch(() => this.#stores.delete(queue));
      this.#stores.set(queue, p);
    }
    return p;
  }

  /** Remove what stopped clients left behind (recording their failures and kept completions), expire guards, drop expired completed items. */
  async #houseKeep(): Promise<void> {
    if (this.#closed) return;
    try {
      const now = Date.now();
      for (const [queue, p] of this.#stores) {
        const store = await p;
        if (this.#groups.claimsGrouped(queue)) await this.#groups.sweep(queue, store.items, now);
        const left = await store.leftovers(now - LEFTOVER_AGE_MS);
        for (const e of left) {
          if (e.s === 'failed' && e.e) await store.recordFailure(e.i, e.c, e.a, e.e);
          if (e.s === 'done' && e.k) await this.#keepCompletion(store, e.i, e.c, e.a, e.ts, { count: e.k.n, ageMs: e.k.ms, ...(e.r !== undefined && { result: e.r }) });
        }
        if (left.length > 0) this.#reaper.finished(queue, left.map((e) => ({ id: e.i, c: e.c })));
      }
      await this.#guards.sweep(now);
      await this.#keys.sweep(now);
      await this.#aborts.sweep(now);
      await this.#progress.sweep(now);
      await this.#completed.sweep(now);
      await this.#feed.trim(now);
      for (const queue of this.#counted) await this.#counters.compact(queue, now);
    } catch (err) {
      this.#log.warn({ err }, 'housekeeping failed; will retry');
    }
  }

  /** Run one call: refuse when closed or not started, retry transient failures, map driver errors. */
  protected _publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('mongodb backend'));
    if (!this.#started) return Promise.reject(new NotStartedError());
    for (const event of events) if (event.kind === 'completed' || event.kind === 'failed' || event.kind === 'retrying') this.#counted.add(event.queue);
    // Not #run: its retry of a transient error would write (and count) the whole batch twice.
    return this.#feed.publish(events).catch((err: unknown) => {
      throw asBackendError(err, 'publishLifecycle');
    });
  }

  protected _watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    return this.#run('watchLifecycle', () => Promise.resolve(this.#feed.watch(queue, listener)));
  }

  protected _counters(queue: string): Promise<QueueCounters> {
    return this.#run('counters', () => this.#counters.read(queue));
  }

  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new ClosedError('mongodb backend');
    if (!this.#started) throw new NotStartedError();
    try {
      return await retryTransient(fn);
    } catch (err) {
      throw asBackendError(err, what);
    }
  }
}
