import type { Channel, ConsumeMessage } from 'amqplib';
import {
  assertInt,
  BackendError,
  MAX_PRIORITY,
  BaseBackend,
  ClosedError,
  NotStartedError,
  NotSupportedError,
  silentLogger,
  ValidationError,
  type AbortRequest,
  ALL_CAPABILITIES,
  type BackendCapabilities,
  type ClaimOptions,
  type Delivery,
  type FailedItem,
  type FailureInfo,
  type KeepCompleted,
  type JobListOptions,
  type JobRecord,
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
import { fromAmqp, H, priorityOf, toAmqp } from './amqp-message';
import { CommandClient } from './command-client';
import type { Command, DelayedItem, StickyHoldAnswer, StickyOutcome } from './commands';
import { ChannelAcks } from './channel-acks';
import { ConfirmPublisher, type Outbound } from './confirm-publisher';
import { ConnectionManager } from './connection';
import { Coordinator } from './coordinator';
import { DelayLadder } from './delay-ladder';
import { Census, type ClientCounts, type HeldProgress } from './census';
import { CountBatcher } from './count-batcher';
import { LifecycleExchange } from './lifecycle-exchange';
import type { HeldCounts, PausedSet } from './coordinator-state';
import { failedEntry, FailedStore } from './failed-store';
import { randomToken } from './ids';
import { LeaseTable, type Lease } from './leases';
import { Names } from './names';
import { DEFAULT_URL, type RabbitMqBackendOptions } from './options';
import { PausedQueues } from './paused-queues';
import { QueueConsumer } from './queue-consumer';
import { QueueDeclarer } from './queue-declarer';
import { isStickyToken, type StickyGrant } from './sticky-leases';
import type { HeldJob } from './held-jobs';
import { JobFinder } from './job-finder';
import { recordOutbound, ShadowRecords } from './shadow-records';

// What it lacks, and why, is in the README ("Declared missing"); priorities depend on the options.
const CAPABILITIES: BackendCapabilities = Object.freeze({ ...ALL_CAPABILITIES, idempotentIds: false, jobLookup: false, listings: false, keepCompleted: false, jobKeys: false, queueLimits: false, fairGroups: false });
const WITHOUT_PRIORITIES: BackendCapabilities = Object.freeze({ ...CAPABILITIES, priorities: false });
const DEFAULT_HOLD_MS = 30_000;
/** Most re-reads of a queue's counts while items move between the broker and clients. */
const STATS_ROUNDS = 20;

/**
 * wrkr backend on plain RabbitMQ (no plugins): a topic exchange per namespace routes publishes to one
 * durable queue per wrkr queue; leases are unacked deliveries; delays ride a TTL/dead-letter ladder and a
 * coordinator elected by single-active-consumer, which also keeps bindings, schedules and workers.
 */
export class RabbitMqBackend extends BaseBackend {
  /** Backend name. */
  readonly name = 'rabbitmq';
  /** Every capability but those the README lists as declared missing; `priorities` with classic queues unless turned off; `jobLookup` and `listings` with `jobIndex`. */
  readonly capabilities: BackendCapabilities;
  /** Broker object names of this namespace. */
  readonly names: Names;
  /** This client's AMQP connection name (`wrkr:<namespace>:<random>`), as `rabbitmqctl list_connections name` shows it. */
  readonly connectionName: string;

  readonly #log: Logger;
  readonly #conn: ConnectionManager;
  readonly #publisher: ConfirmPublisher;
  readonly #declarer: QueueDeclarer;
  readonly #commands: CommandClient;
  readonly #coordinator: Coordinator;
  readonly #ladder: DelayLadder;
  readonly #failed: FailedStore;
  readonly #census: Census;
  readonly #events: LifecycleExchange;
  readonly #records: ShadowRecords;
  readonly #finder: JobFinder;
  readonly #counts = new CountBatcher((counts) => this.#call({ op: 'count', counts }));
  readonly #leases = new LeaseTable((lease) => void this.#expire(lease));
  readonly #consumers = new Map<string, QueueConsumer>();
  readonly #paused = new PausedQueues((queue) => this.#consumers.get(queue)?.pausedChanged());
  /** Queues this client registered as known (listed), and as claimed-from only (unlisted). */
  readonly #known = new Set<string>();
  readonly #declared = new Set<string>();
  readonly #prefetch: number;
  /** Shadow logs kept, so `job`/`jobs` are offered (the `jobIndex` option). */
  readonly #jobIndex: boolean;
  #state: 'new' | 'started' | 'closed' = 'new';
  #starting: Promise<void> | undefined;

  constructor(options: RabbitMqBackendOptions = {}) {
    super();
    this.names = new Names(options.namespace ?? 'default');
    this.#log = (options.logger ?? silentLogger()).child({ backend: 'rabbitmq', namespace: this.names.namespace });
    this.#prefetch = options.prefetch ?? 500;
    assertInt(this.#prefetch, 'prefetch', 1, 65_535);
    const holdMs = options.delayHoldMs ?? DEFAULT_HOLD_MS;
    assertInt(holdMs, 'delayHoldMs', 4, 600_000);
    const queueType = options.queueType ?? 'classic';
    if (options.priorities === true && queueType === 'quorum') {
      throw new ValidationError('priorities', 'needs classic queues: RabbitMQ quorum queues have no 0–9 priority levels (see the README, "Priorities")');
    }
    const priorities = queueType === 'classic' && options.priorities !== false;
    this.#jobIndex = options.jobIndex === true;
    const base = priorities ? CAPABILITIES : WITHOUT_PRIORITIES;
    this.capabilities = this.#jobIndex ? Object.freeze({ ...base, jobLookup: true, listings: true, keepCompleted: true }) : base;
    this.connectionName = `${this.names.connectionName}:${randomToken()}`;
    this.#conn = new ConnectionManager(options.url ?? DEFAULT_URL, this.connectionName, this.#log);
    this.#publisher = new ConfirmPublisher(this.#conn, this.#log);
    this.#declarer = new QueueDeclarer(this.#conn, this.names, queueType, priorities ? MAX_PRIORITY : 0, this.#log, this.#jobIndex);
    this.#commands = new CommandClient(this.#conn, this.names, this.#log);
    this.#ladder = new DelayLadder(this.names, Math.max(0, Math.floor(Math.log2(holdMs / 4))));
    this.#coordinator = new Coordinator(this.#conn, this.#declarer, this.names, this.#ladder, { holdMs }, this.#log);
    this.#failed = new FailedStore(this.#conn, this.#publisher, this.names);
    this.#census = new Census(
      this.#conn,
      this.names,
      {
        counts: (q) => ({ leased: this.#leases.count(q), buffered: this.#consumers.get(q)?.buffered ?? 0 }),
        abort: (q, id, request) => this.#requestAbort(q, id, request),
        progress: (q, id) => this.#heldProgress(q, id),
        paused: (set) => this.#paused.apply(set),
        flush: async (q, id) => {
          await this.#records.drain();
          return this.#leases.list(q, id).map((l) => ({ message: l.message, attempt: l.attempt, leaseUntil: l.leaseUntil, ...withPriority(priorityOf(l.raw.properties)) }));
        },
      },
      () => this.#rereadPaused(),
      this.#log,
    );
    this.#events = new LifecycleExchange(this.#conn, this.names, this.#log);
    this.#records = new ShadowRecords(this.#publisher, this.names, this.#log, this.#jobIndex);
    this.#finder = new JobFinder({
      conn: this.#conn,
      names: this.names,
      census: this.#census,
      publisher: this.#publisher,
      heldJobs: (q) => this.#call<HeldJob[]>({ op: 'heldJobs', queue: q }),
      failed: (q) => this.#failed.listWithPriority(q),
      clients: () => this.#clients(),
      log: this.#log,
    });
    this.#conn.on('lost', () => {
      this.#known.clear();
      this.#declared.clear();
    });
  }

  protected async _start(): Promise<void> {
    if (this.#state === 'closed') throw new ClosedError('rabbitmq backend');
    this.#starting ??= (async () => {
      await this.#conn.start();
      await this.#declarer.namespace();
      await this.#census.start();
      await this.#coordinator.start();
      await this.#readPaused();
      this.#state = 'started';
    })();
    await this.#starting;
  }

  protected async _close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasStarted = this.#state === 'started';
    this.#state = 'closed';
    if (wasStarted) {
      // Hand leases over before closing their channels: closing would make the broker requeue them at once.
      await this.#handOverLeases().catch((err: unknown) => this.#log.warn({ err: (err as Error).message }, 'lease hand-over failed; the broker requeues those items'));
      await Promise.all([...this.#consumers.values()].map((c) => c.close()));
      // Hand-backs and the hand-over settled deliveries: their records must reach the logs before the publisher closes.
      await this.#records.flush();
      await this.#finder.close();
      await this.#events.close();
      await this.#coordinator.close();
      await this.#census.close();
    }
    this.#commands.close();
    this.#publisher.close();
    await this.#conn.close();
  }

  /** Delete every broker object of this namespace (queues, exchanges, ladder, coordinator state), then close. */
  async destroy(): Promise<void> {
    this.#ready();
    const known = await this.#call<{ queues: string[] }>({ op: 'knownObjects' });
    await Promise.all([...this.#consumers.values()].map((c) => c.close()));
    await this.#finder.close();
    this.#leases.takeAll();
    await this.#coordinator.quiesce();
    await this.#coordinator.close();
    await this.#census.close();
    await this.#events.close();
    const ladder = this.#ladder.objects();
    await this.#declarer.run(async (ch) => {
      for (const q of known.queues) {
        await ch.deleteQueue(this.names.shadow(q));
        await ch.deleteQueue(this.names.queue(q));
        await ch.deleteQueue(this.names.failed(q));
      }
      for (const q of [...ladder.queues, this.names.commands, this.names.journal]) await ch.deleteQueue(q);
      for (const x of [...ladder.exchanges, this.names.exchange, this.names.direct, this.names.census, this.names.events]) await ch.deleteExchange(x);
    });
    await this.close();
  }

  protected async _bind(queue: string, pattern: string): Promise<void> {
    this.names.queue(queue);
    this.#ready();
    await this.#call({ op: 'bind', queue, pattern, maxPriority: this.#declarer.maxPriority });
    this.#known.add(queue);
  }

  protected async _unbind(queue: string, pattern: string): Promise<void> {
    this.#ready();
    await this.#call({ op: 'unbind', queue, pattern });
  }

  protected async _bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    this.#ready();
    return this.#call({ op: 'bindings', ...(queue !== undefined ? { queue } : {}) });
  }

  protected async _queues(): Promise<string[]> {
    this.#ready();
    return this.#call({ op: 'queues' });
  }

  protected async _deleteQueue(queue: string): Promise<void> {
    this.#ready();
    const consumer = this.#consumers.get(queue);
    this.#consumers.delete(queue);
    await consumer?.close();
    await this.#finder.close(queue);
    await this.#call({ op: 'deleteQueue', queue });
    this.#known.delete(queue);
    this.#declared.delete(queue);
  }

  protected async _publish(items: readonly Outgoing[]): Promise<void> {
    this.#ready();
    const now = Date.now();
    const direct: Outbound[] = [];
    const delayed: Outgoing[] = [];
    for (const item of items) {
      if (isDelayed(item, now)) {
        delayed.push(item);
        continue;
      }
      const { content, options } = toAmqp(item.message, undefined, item.priority);
      direct.push({ exchange: this.names.exchange, routingKey: item.message.name, content, options });
    }
    await Promise.all([
      direct.length > 0 && this.#publisher.publish(direct),
      delayed.length > 0 && this.#delay(delayed.map((i) => ({ message: i.message, dueAt: i.dueAt!, nonce: randomToken(), prior: 0, ...withPriority(i.priority) }))),
    ]);
  }

  protected async _send(queue: string, items: readonly Outgoing[]): Promise<void> {
    this.names.queue(queue);
    this.#ready();
    const now = Date.now();
    const direct = items.filter((i) => !isDelayed(i, now));
    const delayed = items.filter((i) => isDelayed(i, now));
    await this.#ensureQueue(queue);
    await Promise.all([
      direct.length > 0 && this.#sendDirect(queue, direct.map((i) => this.#toQueue(queue, i.message, 0, i.priority))),
      delayed.length > 0 && this.#delay(delayed.map((i) => ({ message: i.message, dueAt: i.dueAt!, nonce: randomToken(), prior: 0, queue, ...withPriority(i.priority) }))),
    ]);
  }

  protected async _cancel(id: string): Promise<boolean> {
    this.#ready();
    return this.#call({ op: 'cancel', id });
  }

  protected async _claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    this.#ready();
    return options.holder === undefined ? this.#consumer(queue).claim(options) : this.#stickyClaim(queue, options.holder, options);
  }

  #consumer(queue: string): QueueConsumer {
    let consumer = this.#consumers.get(queue);
    if (!consumer) {
      consumer = new QueueConsumer(queue, this.names.queue(queue), this.#conn, () => this.#ensureQueue(queue, true), this.#leases, (q, raw, ch, prior) => this.#handBack(q, raw, ch, prior), this.#prefetch, () => this.#paused.has(queue), this.#log);
      this.#consumers.set(queue, consumer);
    }
    return consumer;
  }

  /**
   * A claim for an external worker: its live sticky lease again if it has one (a coordinator command),
   * else a plain claim whose delivery then moves into the coordinator as the worker's sticky lease (see
   * the README, "Sticky pull"): journalled there first, then acked here, so no crash loses it.
   */
  async #stickyClaim(queue: string, holder: string, options: ClaimOptions): Promise<Delivery[]> {
    if (this.#paused.has(queue)) return [];
    const again = await this.#call<StickyGrant | null>({ op: 'stickyClaim', queue, holder, leaseMs: options.leaseMs });
    if (again) return [{ queue, ...again }];
    const [got] = await this.#consumer(queue).claim({ ...options, max: 1 });
    const lease = got && this.#leases.take({ queue, id: got.message.id, token: got.token });
    if (!lease) return [];
    let answer: StickyHoldAnswer;
    try {
      answer = await this.#call<StickyHoldAnswer>({ op: 'stickyHold', queue, holder, leaseMs: options.leaseMs, message: lease.message, attempt: lease.attempt, ...withPriority(priorityOf(lease.raw.properties)) });
    } catch (err) {
      // Maybe held, maybe not: the broker gets its delivery back, and a hold that was made expires into a duplicate at worst.
      settle(lease.channel, lease.raw, true);
      throw err;
    }
    if ('held' in answer) {
      await this.#handBack(queue, lease.raw, lease.channel, lease.attempt - 1);
      return [{ queue, ...answer.held }];
    }
    if (!this.#settle(queue, lease.channel, lease.raw)) {
      // The channel closed before the ack: the broker requeued the delivery, so the coordinator's copy must not live on too.
      await this.#call({ op: 'stickyEnd', queue, id: lease.message.id, token: answer.took.token, outcome: { kind: 'ack' } });
      return [];
    }
    return [{ queue, message: lease.message, token: answer.took.token, attempt: lease.attempt, leaseUntil: answer.took.leaseUntil }];
  }

  /** Ack, nack or extend a sticky lease: the coordinator holds it, whichever client issued the token. */
  async #stickyEnd(ref: LeaseRef, outcome: StickyOutcome): Promise<boolean> {
    this.#ready();
    return this.#call({ op: 'stickyEnd', queue: ref.queue, id: ref.id, token: ref.token, outcome });
  }

  protected _ack(ref: LeaseRef, keep?: KeepCompleted): Promise<boolean> {
    const lease = this.#leases.take(ref);
    if (lease && keep !== undefined) {
      // Kept as completed: the record (which also settles the delivery) is written with the next batch, like a settled one.
      const acked = settle(lease.channel, lease.raw);
      if (acked) this.#records.completed(lease.queue, { message: lease.message, attempt: lease.attempt, at: Date.now(), ...(keep.result !== undefined && { result: keep.result }), count: keep.count, ageMs: keep.ageMs });
      return Promise.resolve(acked);
    }
    if (lease) return Promise.resolve(this.#settle(lease.queue, lease.channel, lease.raw));
    return isStickyToken(ref.token) ? this.#stickyEnd(ref, { kind: 'ack' }) : Promise.resolve(false);
  }

  protected async _nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    const lease = this.#leases.take(ref);
    if (!lease) return isStickyToken(ref.token) ? this.#stickyEnd(ref, outcome) : false;
    return this.#records.track(this.#nackLease(lease, outcome));
  }

  /** Write a nacked lease's item where the outcome says, then ack its delivery. */
  async #nackLease(lease: Lease, outcome: NackOutcome): Promise<boolean> {
    // Every copy written back keeps the delivery's priority (the broker kept it in the AMQP property).
    const priority = priorityOf(lease.raw.properties);
    const id = [lease.message.id];
    // Where the new copy is a publish, the settled record rides in front of it (see `#sendDirect`); a
    // delayed retry is a coordinator command, so its record is batched after the ack as for a plain ack.
    let recorded = true;
    try {
      switch (outcome.kind) {
        case 'retry':
          if (outcome.dueAt > Date.now()) {
            await this.#delay([{ message: lease.message, dueAt: outcome.dueAt, nonce: randomToken(), prior: lease.attempt, queue: lease.queue, ...withPriority(priority) }], outcome.error);
            recorded = false;
          } else {
            await this.#sendDirect(lease.queue, [this.#toQueue(lease.queue, lease.message, lease.attempt, priority)], id);
          }
          break;
        case 'release':
          await this.#sendDirect(lease.queue, [this.#toQueue(lease.queue, lease.message, lease.attempt - 1, priority)], id);
          break;
        case 'fail': {
          const { content, options } = failedEntry(lease.queue, lease.message, lease.attempt, outcome.error, priority);
          await this.#publisher.publish([...(this.#jobIndex ? [this.#settledRecord(lease.queue, id)] : []), { exchange: '', routingKey: this.names.failed(lease.queue), content, options }]);
          break;
        }
      }
    } catch (err) {
      // Not written anywhere: give the delivery back to the broker as it was.
      settle(lease.channel, lease.raw, true);
      throw err;
    }
    // Written back, so the nack took effect; if the delivery's channel is gone meanwhile, the broker also
    // requeues the original: a duplicate, which at-least-once delivery allows.
    if (recorded) settle(lease.channel, lease.raw);
    else this.#settle(lease.queue, lease.channel, lease.raw);
    return true;
  }

  protected _extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    if (this.#leases.extend(ref, leaseMs)) return Promise.resolve(true);
    return isStickyToken(ref.token) ? this.#stickyEnd(ref, { kind: 'extend', leaseMs }) : Promise.resolve(false);
  }

  protected async _heldBy(queue: string, holder: string): Promise<LeaseRef | undefined> {
    this.#ready();
    return (await this.#call<LeaseRef | null>({ op: 'heldBy', queue, holder })) ?? undefined;
  }

  protected async _stats(queue: string): Promise<QueueStats> {
    this.#ready();
    const [failed, clients] = await Promise.all([this.#declarer.check(this.names.failed(queue)), this.#declarer.check(this.names.commands)]);
    // Three places hold a queue's items: the broker queue (ready), the clients (leases, prefetched
    // buffers) and the coordinator (delayed items, handed-over leases), and items move between them
    // while they are read (a due item released to the broker, a delivery into a buffer). So the clients
    // and the coordinator are read before and after the broker, and the broker's count is taken only
    // when neither moved in between: otherwise one item could be counted in two places, or in none.
    const read = () => Promise.all([this.#call<HeldCounts>({ op: 'heldCount', queue }), this.#census.count(queue, clients?.consumerCount ?? 1)]);
    let before = await read();
    for (let round = 0; ; round++) {
      const ready = await this.#declarer.check(this.names.queue(queue));
      const after = await read();
      const [held, inClients] = after;
      if (sameHeld(before, after) || round >= STATS_ROUNDS) {
        return {
          ready: (ready?.messageCount ?? 0) + inClients.buffered,
          delayed: held.delayed,
          inFlight: inClients.leased + held.leased,
          failed: failed?.messageCount ?? 0,
          ...(held.paused && { paused: true }),
        };
      }
      before = after;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** From the queue's shadow log, the clients' leases and the coordinator, after a barrier (see job-finder.ts). */
  protected async _job(queue: string, id: string): Promise<JobRecord | undefined> {
    this.#ready();
    if (!this.#jobIndex) throw new NotSupportedError('jobLookup', this.name);
    return this.#finder.job(queue, id);
  }

  /** A page of one state, from the same sources as `_job`. */
  protected async _jobs(queue: string, options: JobListOptions): Promise<JobRecord[]> {
    this.#ready();
    if (!this.#jobIndex) throw new NotSupportedError('listings', this.name);
    return this.#finder.jobs(queue, options);
  }

  protected async _failed(queue: string, options?: ListOptions): Promise<FailedItem[]> {
    this.#ready();
    return this.#failed.list(queue, options);
  }

  protected async _replay(queue: string, ids?: readonly string[]): Promise<number> {
    this.#ready();
    await this.#ensureQueue(queue);
    return this.#failed.replay(queue, ids);
  }

  protected async _purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    this.#ready();
    return this.#failed.purge(queue, ids);
  }

  protected async _upsertSchedule(record: ScheduleRecord): Promise<void> {
    this.#ready();
    await this.#call({ op: 'upsertSchedule', record });
  }

  protected async _removeSchedule(name: string): Promise<boolean> {
    this.#ready();
    return this.#call({ op: 'removeSchedule', name });
  }

  protected async _getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    this.#ready();
    return (await this.#call<ScheduleRecord | null>({ op: 'getSchedule', name })) ?? undefined;
  }

  protected async _pending(options: Required<ListOptions>): Promise<PendingPublish[]> {
    this.#ready();
    return this.#call({ op: 'pending', offset: options.offset, limit: options.limit });
  }

  protected async _listSchedules(): Promise<ScheduleRecord[]> {
    this.#ready();
    return this.#call({ op: 'listSchedules' });
  }

  protected async _fireSchedule(name: string, expected: { readonly runAt: number; readonly updatedAt: number }, nextRunAt: number, message: Message): Promise<boolean> {
    this.#ready();
    return this.#call({ op: 'fireSchedule', name, expected: { runAt: expected.runAt, updatedAt: expected.updatedAt }, nextRunAt, message });
  }

  protected async _registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    this.#ready();
    return this.#call({ op: 'registerWorker', id, instance, meta, ttlMs });
  }

  protected async _heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    this.#ready();
    return this.#call({ op: 'heartbeat', id, instance, ttlMs, ...(meta !== undefined ? { meta } : {}) });
  }

  protected async _unregisterWorker(id: string, instance: string): Promise<void> {
    this.#ready();
    await this.#call({ op: 'unregisterWorker', id, instance });
  }

  protected async _workers(): Promise<WorkerInfo[]> {
    this.#ready();
    return this.#call({ op: 'workers' });
  }

  protected async _pause(queue: string): Promise<void> {
    this.names.queue(queue);
    this.#ready();
    // Taken here at once: this client's claims must not wait for the coordinator's notice.
    this.#paused.apply(await this.#call<PausedSet>({ op: 'pause', queue }));
  }

  protected async _resume(queue: string): Promise<void> {
    this.names.queue(queue);
    this.#ready();
    this.#paused.apply(await this.#call<PausedSet>({ op: 'resume', queue }));
  }

  /** Not offered (`capabilities.queueLimits` is false; the README says why and what it would take). */
  protected _setQueueLimits(): Promise<void> {
    return Promise.reject(new NotSupportedError('queueLimits', this.name));
  }

  /** Not offered, like `_setQueueLimits`. */
  protected _queueLimits(): Promise<QueueLimits> {
    return Promise.reject(new NotSupportedError('queueLimits', this.name));
  }

  protected async _abort(queue: string, id: string, request: AbortRequest): Promise<boolean> {
    this.#ready();
    if (this.#requestAbort(queue, id, request)) return true;
    return this.#census.abort(queue, id, request, await this.#clients());
  }

  /** Answered from this client's leases: core asks only about the leases of its own running handlers. */
  protected _abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    return Promise.resolve(refs.map((ref) => this.#leases.get(ref)?.abort));
  }

  /** Kept with the lease in this client, at no broker cost; `progress` asks the holder. */
  protected _setProgress(ref: LeaseRef, value: string): Promise<boolean> {
    const lease = this.#leases.get(ref);
    if (lease) lease.progress = value;
    return Promise.resolve(lease !== undefined);
  }

  protected async _progress(queue: string, id: string): Promise<string | undefined> {
    this.#ready();
    const here = this.#heldProgress(queue, id);
    if (here.held) return here.value;
    return this.#census.progress(queue, id, await this.#clients());
  }

  #ready(): void {
    if (this.#state === 'closed') throw new ClosedError('rabbitmq backend');
    if (this.#state !== 'started') throw new NotStartedError();
  }

  protected async _publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    this.#ready();
    // The notices go out first (best-effort); the counts with the next coordinator batch.
    await this.#events.publish(events);
    const counted = events.filter((event) => CountBatcher.counts(event));
    if (counted.length > 0) await this.#counts.add(counted, Date.now());
  }

  protected async _watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    this.#ready();
    return this.#events.watch(queue, listener);
  }

  protected async _counters(queue: string): Promise<QueueCounters> {
    this.#ready();
    const c = await this.#call<[number, number, number, number] | null>({ op: 'counters', queue });
    return c === null ? { completed: 0, failed: 0, retried: 0 } : { completed: c[0], failed: c[1], retried: c[2], since: c[3] };
  }

  /** Live clients of the namespace: one command-queue consumer each. */
  async #clients(): Promise<number> {
    return (await this.#declarer.check(this.names.commands))?.consumerCount ?? 1;
  }

  /** The coordinator's paused set (read on start, and again whenever the census channel reopened). */
  async #readPaused(): Promise<void> {
    this.#paused.apply(await this.#call<PausedSet>({ op: 'paused' }));
  }

  /** The census channel (re)opened: notices sent while it was down never reached this client. */
  #rereadPaused(): void {
    if (this.#state !== 'started') return;
    void this.#readPaused().catch((err: unknown) => this.#log.debug({ err: (err as Error).message }, 'paused queues not re-read'));
  }

  /** Store an abort request with this client's lease of the item; false when it holds none. */
  #requestAbort(queue: string, id: string, request: AbortRequest): boolean {
    const lease = this.#leases.holding(queue, id);
    if (!lease) return false;
    lease.abort = { ...(request.reason !== undefined && { reason: request.reason }), ...(request.fail !== undefined && { fail: request.fail }) };
    return true;
  }

  #heldProgress(queue: string, id: string): HeldProgress {
    const lease = this.#leases.holding(queue, id);
    return lease ? { held: true, ...(lease.progress !== undefined && { value: lease.progress }) } : { held: false };
  }

  #call<T>(cmd: Command): Promise<T> {
    return this.#commands.call<T>(cmd);
  }

  /** Declare a queue through the coordinator once per connection: listed (sent to), or unlisted (only claimed from). */
  async #ensureQueue(queue: string, unlisted = false): Promise<void> {
    if (this.#known.has(queue) || (unlisted && this.#declared.has(queue))) return;
    await this.#call({ op: 'ensureQueue', queue, maxPriority: this.#declarer.maxPriority, ...(unlisted ? { unlisted } : {}) });
    (unlisted ? this.#declared : this.#known).add(queue);
  }

  #toQueue(queue: string, message: Message, prior: number, priority?: number): Outbound {
    const { content, options } = toAmqp(message, prior > 0 ? { [H.prior]: prior } : undefined, priority);
    // Through the direct exchange, so the broker appends the copy to the queue's shadow log too.
    return { exchange: this.names.direct, routingKey: queue, content, options: { ...options, mandatory: true } };
  }

  /**
   * Write straight into a queue; if the broker says the queue is gone (deleted elsewhere), declare it and
   * write again. `settles`: ids of deliveries this write replaces (a write-back): their settled record is
   * published in front of the new copies on the same channel, so the shadow log never holds the new copy
   * while the old one still counts (a reader between the two would see the item twice). The caller then
   * acks the old delivery with plain `settle`.
   */
  async #sendDirect(queue: string, out: Outbound[], settles?: readonly string[]): Promise<void> {
    let pending = this.#jobIndex && settles && settles.length > 0 ? [this.#settledRecord(queue, settles), ...out] : out;
    for (let round = 0; pending.length > 0; round++) {
      pending = await this.#publisher.publish(pending);
      if (pending.length === 0) return;
      if (round >= 3) throw new BackendError(`rabbitmq: queue ${queue} cannot be written to (the broker returned the message ${round + 1} times)`);
      this.#known.delete(queue);
      await this.#ensureQueue(queue);
    }
  }

  /** Hand delayed items to the coordinator; those sent to a queue also leave their body in its shadow log (for `job`/`jobs`). */
  async #delay(items: DelayedItem[], error?: FailureInfo): Promise<void> {
    for (const i of this.#jobIndex ? items : []) {
      if (i.queue === undefined) continue;
      this.#records.delayed(i.queue, [{ nonce: i.nonce, message: i.message, prior: i.prior, dueAt: i.dueAt, ...(error !== undefined && { error }), ...withPriority(i.priority) }]);
    }
    await this.#call({ op: 'delay', items });
  }

  /** A settled record for the queue's shadow log, to publish at once in front of the write that replaces those deliveries. */
  #settledRecord(queue: string, ids: readonly string[]): Outbound {
    return recordOutbound(this.names, queue, { settled: [...ids], at: Date.now() });
  }

  /**
   * Settle a delivery of `queue` (see `settle`); an ack also tells the queue's shadow log that this copy
   * left the work queue. A requeue or a delivery whose channel is gone leaves the copy where it was.
   */
  #settle(queue: string, ch: Channel, raw: ConsumeMessage, requeue?: boolean): boolean {
    const ok = settle(ch, raw, requeue);
    if (ok && !requeue) for (const id of idOf(raw)) this.#records.settled(queue, id);
    return ok;
  }

  /** An expired lease: the item goes back to its queue, and this delivery counts as an attempt. */
  #expire(lease: Lease): Promise<void> {
    return this.#records.track(this.#writeBackExpired(lease));
  }

  async #writeBackExpired(lease: Lease): Promise<void> {
    try {
      await this.#sendDirect(lease.queue, [this.#toQueue(lease.queue, lease.message, lease.attempt, priorityOf(lease.raw.properties))], [lease.message.id]);
      settle(lease.channel, lease.raw);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, queue: lease.queue }, 'expired item not written back; the broker requeues it');
      settle(lease.channel, lease.raw, true);
    }
  }

  #handBack(queue: string, raw: ConsumeMessage, ch: Channel, prior: number): Promise<void> {
    return this.#records.track(this.#writeBack(queue, raw, ch, prior));
  }

  async #writeBack(queue: string, raw: ConsumeMessage, ch: Channel, prior: number): Promise<void> {
    const message = fromAmqp(raw.content, raw.properties, raw.fields.routingKey);
    await this.#sendDirect(queue, [this.#toQueue(queue, message, prior, priorityOf(raw.properties))], idOf(raw));
    settle(ch, raw);
  }

  /** Leases stay in force after close: each held item comes back to its queue when its lease would have ended. */
  async #handOverLeases(): Promise<void> {
    const leases: Lease[] = this.#leases.takeAll();
    if (leases.length === 0) return;
    const now = Date.now();
    const later = leases.filter((l) => l.leaseUntil > now);
    const due = leases.filter((l) => l.leaseUntil <= now);
    await Promise.all([
      later.length > 0 && this.#delay(later.map((l) => ({ message: l.message, dueAt: l.leaseUntil, nonce: randomToken(), prior: l.attempt, queue: l.queue, lease: true, ...withPriority(priorityOf(l.raw.properties)) }))),
      ...due.map((l) => this.#sendDirect(l.queue, [this.#toQueue(l.queue, l.message, l.attempt, priorityOf(l.raw.properties))], [l.message.id])),
    ]);
    for (const l of later) this.#settle(l.queue, l.channel, l.raw);
    for (const l of due) settle(l.channel, l.raw);
  }
}

/** The AMQP message id of a delivery, as the shadow log indexes it (none: a plain producer's message without one, not indexed). */
function idOf(raw: ConsumeMessage): string[] {
  const id = raw.properties.messageId as unknown;
  return typeof id === 'string' && id !== '' ? [id] : [];
}

/** True when two reads of (coordinator, clients) counts agree: nothing moved between them. */
function sameHeld([h1, c1]: readonly [HeldCounts, ClientCounts], [h2, c2]: readonly [HeldCounts, ClientCounts]): boolean {
  return h1.delayed === h2.delayed && h1.leased === h2.leased && c1.buffered === c2.buffered && c1.leased === c2.leased;
}

/**
 * Ack (or requeue) a delivery on its own channel; false when that channel is gone (the broker requeued it).
 * A consumer channel's acks go out at the end of the turn, several in one frame where that is safe (see
 * channel-acks.ts); a requeue goes out at once.
 */
function settle(ch: Channel, raw: ConsumeMessage, requeue?: boolean): boolean {
  const acks = ChannelAcks.of(ch);
  if (acks) return requeue ? acks.nack(raw) : acks.ack(raw);
  try {
    if (requeue) ch.nack(raw, false, true);
    else ch.ack(raw);
    return true;
  } catch {
    return false;
  }
}

/** The `priority` field of a delayed item: left out at 0, so commands stay as small as before priorities. */
function withPriority(priority: number | undefined): { priority?: number } {
  return priority ? { priority } : {};
}

function isDelayed(item: Outgoing, now: number): boolean {
  return item.dueAt !== undefined && item.dueAt > now;
}
