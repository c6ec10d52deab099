import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Backend, FailedItem, Message, Outgoing, QueueStats, ScheduleRecord, WorkerInfo } from './backend';
import { BACKEND_CONTRACT_VERSION } from './backend';
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, toEvent } from './codec';
import { Consumer } from './consumer';
import { defaultBackend } from './default-backend';
import { parseDuration, parseWhen, type Duration } from './duration';
import { ClosedError, NotFoundError, NotStartedError, NotSupportedError, StaleLeaseError, ValidationError } from './errors';
import type { EventInput, Headers, Published, WrkrEvent } from './event';
import type { Handler, SubscribeOptions } from './handler';
import { newId } from './ids';
import { silentLogger, type Logger } from './logger';
import type { EncryptionOptions } from './payload-cipher';
import { CORRELATION_HEADER, REPLY_TO_HEADER, ReplyInbox, sendReply } from './request-reply';
import { RetryPolicy } from './retry-policy';
import { nextOccurrence, parseScheduleRule, type ScheduleRuleInput, type StoredRule } from './schedule-rule';
import { Scheduler } from './scheduler';
import {
  assertEventName,
  assertHeaders,
  assertId,
  assertInt,
  assertKnownKeys,
  assertPattern,
  assertQueueName,
  isPlainObject,
} from './validation';
import { toFailureInfo, type WrkrEventMap } from './wrkr-events';
import { WorkerRegistration } from './worker-registration';

/** Options of a Wrkr instance. */
export interface WrkrOptions {
  /** Storage/broker; defaults to an in-process MemoryBackend (`@wrkr/backend-memory`). */
  backend?: Backend;
  /** pino-compatible logger; silent by default. */
  logger?: Logger;
  /** AES-256-GCM payload encryption keys. */
  encryption?: EncryptionOptions;
  /** Largest encoded payload in bytes (default 5 MiB). */
  maxPayloadBytes?: number;
  /** Worker registry entry: `id` (default host-pid-random), `heartbeat` interval (default 10s), `meta`; `false` to not register. */
  worker?: { id?: string; heartbeat?: Duration; meta?: Record<string, unknown> } | false;
  /** Fire recurring schedules from this process (default true); `poll` is how often other processes' changes are read (default 1s). */
  scheduler?: boolean | { poll?: Duration };
}

/** A running subscription. */
export interface Subscription {
  /** The queue consumed. */
  readonly queue: string;
  /** Stop consuming (draining in-flight handlers for up to `timeout`, default 30s). */
  close(options?: { timeout?: Duration }): Promise<void>;
}

/** An item taken with the pull API; pass it back to `ack`, `nack` or `extend`. */
export interface PulledItem<T = unknown> {
  /** The queue it came from. */
  readonly queue: string;
  /** The event. */
  readonly event: WrkrEvent<T>;
  /** Delivery count, 1 on the first. */
  readonly attempt: number;
  /** Lease token (needed to ack). */
  readonly token: string;
  /** When the lease runs out unless extended or acked. */
  readonly leaseUntil: Date;
}

/** A failed item, decoded. */
export interface FailedEvent<T = unknown> {
  /** Queue it failed in. */
  readonly queue: string;
  /** The event (data undecodable items carry the raw message in `raw`). */
  readonly event?: WrkrEvent<T>;
  /** The stored message. */
  readonly raw: Message;
  /** Deliveries made. */
  readonly attempt: number;
  /** Last error. */
  readonly error: FailedItem['error'];
  /** When it failed. */
  readonly failedAt: Date;
}

/** A schedule as listed by `schedules()`. */
export interface ScheduleInfo {
  /** Unique name. */
  readonly name: string;
  /** `{ every: ms }` or `{ cron, tz? }`. */
  readonly rule: StoredRule;
  /** Event each occurrence publishes. */
  readonly event: { name: string; tid?: string; data?: unknown; headers?: Headers };
  /** False while paused. */
  readonly active: boolean;
  /** Next occurrence. */
  readonly nextRunAt: Date;
  /** Last fired occurrence. */
  readonly lastRunAt?: Date;
}

const EVENT_KEYS = ['name', 'tid', 'data', 'headers', 'id', 'when'];
const SUBSCRIBE_KEYS = ['concurrency', 'visibilityTimeout', 'retry', 'timeout'];
const DEFAULT_LEASE = '30s';

/**
 * The one entry point: publish events, send to queues, subscribe handlers, pull items, schedule events
 * and inspect queues, over any Backend.
 */
export class Wrkr extends EventEmitter<WrkrEventMap> {
  /** The backend in use. */
  readonly backend: Backend;
  /** The logger in use. */
  readonly log: Logger;
  private readonly codec: Codec;
  private readonly instanceId = randomUUID();
  private readonly consumers = new Map<string, Consumer>();
  private readonly registration?: WorkerRegistration;
  private readonly scheduler?: Scheduler;
  private inbox?: ReplyInbox;
  private state: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new';
  private starting?: Promise<void>;

  constructor(options: WrkrOptions = {}) {
    super();
    assertKnownKeys(options, ['backend', 'logger', 'encryption', 'maxPayloadBytes', 'worker', 'scheduler'], 'options');
    this.backend = options.backend ?? defaultBackend();
    if (this.backend.contractVersion !== BACKEND_CONTRACT_VERSION) {
      throw new ValidationError('options.backend', `implements contract v${this.backend.contractVersion}, this core needs v${BACKEND_CONTRACT_VERSION}`);
    }
    this.log = (options.logger ?? silentLogger()).child({ lib: 'wrkr', backend: this.backend.name });
    const maxBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    assertInt(maxBytes, 'options.maxPayloadBytes', 1);
    this.codec = new Codec(maxBytes, options.encryption);

    if (options.worker !== false) {
      const w = options.worker ?? {};
      assertKnownKeys(w, ['id', 'heartbeat', 'meta'], 'options.worker');
      const id = w.id ?? `${hostname()}-${process.pid}-${this.instanceId.slice(0, 8)}`;
      assertId(id, 'options.worker.id');
      const interval = parseDuration(w.heartbeat ?? '10s', 'options.worker.heartbeat');
      if (interval < 100) throw new ValidationError('options.worker.heartbeat', 'must be at least 100 ms');
      const meta = { ...(w.meta ?? {}) };
      this.registration = new WorkerRegistration(
        this.backend,
        id,
        interval,
        () => ({ host: hostname(), pid: process.pid, queues: [...this.consumers.keys()], inFlight: this.inFlight, ...meta }),
        this.log,
      );
    }
    if (options.scheduler !== false && this.backend.capabilities.schedules) {
      const s = options.scheduler === true || options.scheduler === undefined ? {} : options.scheduler;
      assertKnownKeys(s, ['poll'], 'options.scheduler');
      this.scheduler = new Scheduler(this.backend, this.log, parseDuration(s.poll ?? '1s', 'options.scheduler.poll'));
    }
  }

  /** This process's worker id (undefined with `worker: false`). */
  get workerId(): string | undefined {
    return this.registration?.id;
  }

  /** Handlers running now across all subscriptions. */
  get inFlight(): number {
    let n = 0;
    for (const c of this.consumers.values()) n += c.inFlight;
    return n;
  }

  /** Connect the backend, register the worker and start firing schedules. Idempotent. */
  start(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return Promise.reject(new ClosedError());
    this.starting ??= (async () => {
      this.state = 'starting';
      await this.backend.start();
      try {
        await this.registration?.start();
      } catch (err) {
        this.state = 'stopped';
        await this.backend.close();
        throw err;
      }
      this.scheduler?.start();
      this.state = 'started';
      this.log.info({ workerId: this.workerId }, 'wrkr started');
    })();
    return this.starting;
  }

  /**
   * Stop taking work, wait up to `timeout` (default 30s) for running handlers, abort and release the rest,
   * then close the backend. Idempotent.
   */
  async stop(options: { timeout?: Duration } = {}): Promise<void> {
    assertKnownKeys(options, ['timeout'], 'stop options');
    const timeoutMs = parseDuration(options.timeout ?? '30s', 'timeout');
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    // start() may have failed and closed everything while we waited.
    if ((this.state as string) === 'stopped') return;
    this.state = 'stopping';
    await Promise.all([...this.consumers.values()].map((c) => c.stop(timeoutMs)));
    this.consumers.clear();
    await this.scheduler?.stop();
    await this.inbox?.close();
    await this.registration?.stop();
    await this.backend.close();
    this.state = 'stopped';
    this.log.info('wrkr stopped');
  }

  /** Publish one event (or a batch, atomically validated) to every queue bound to a matching pattern. */
  publish(event: EventInput): Promise<Published>;
  publish(events: EventInput[]): Promise<Published[]>;
  async publish(input: EventInput | EventInput[]): Promise<Published | Published[]> {
    this.assertStarted();
    const items = this.toOutgoing(input);
    await this.backend.publish(items);
    return Array.isArray(input) ? items.map(published) : published(items[0]!);
  }

  /** Send one event (or a batch) straight to a queue, bypassing routing. */
  send(queue: string, event: EventInput): Promise<Published>;
  send(queue: string, events: EventInput[]): Promise<Published[]>;
  async send(queue: string, input: EventInput | EventInput[]): Promise<Published | Published[]> {
    this.assertStarted();
    assertQueueName(queue);
    const items = this.toOutgoing(input);
    await this.backend.send(queue, items);
    return Array.isArray(input) ? items.map(published) : published(items[0]!);
  }

  /** Cancel a delayed event by id; true when it was still pending (it will never be delivered). */
  async cancel(id: string): Promise<boolean> {
    this.assertStarted();
    assertId(id);
    this.need('cancel');
    return this.backend.cancel(id);
  }

  /** Bind a queue to one or more patterns (durable; idempotent). */
  async bind(queue: string, patterns: string | string[]): Promise<void> {
    this.assertStarted();
    assertQueueName(queue);
    const list = toPatterns(patterns);
    for (const p of list) await this.backend.bind(queue, p);
  }

  /** Remove bindings of a queue. */
  async unbind(queue: string, patterns: string | string[]): Promise<void> {
    this.assertStarted();
    assertQueueName(queue);
    for (const p of toPatterns(patterns)) await this.backend.unbind(queue, p);
  }

  /**
   * Bind `queue` to `patterns` (none: direct sends only) and run `handler` for its items with the given
   * concurrency, lease, retry policy and job timeout.
   */
  async subscribe<T = unknown, R = unknown>(
    queue: string,
    patterns: string | string[] | null,
    handler: Handler<T, R>,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertStarted();
    assertQueueName(queue);
    if (typeof handler !== 'function') throw new ValidationError('handler', 'must be a function');
    assertKnownKeys(options, SUBSCRIBE_KEYS, 'options');
    const concurrency = options.concurrency ?? 1;
    assertInt(concurrency, 'options.concurrency', 1, 10_000);
    const leaseMs = parseDuration(options.visibilityTimeout ?? DEFAULT_LEASE, 'options.visibilityTimeout');
    if (leaseMs < 50) throw new ValidationError('options.visibilityTimeout', 'must be at least 50 ms');
    const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, 'options.timeout');
    const retry = new RetryPolicy(options.retry, 'options.retry');
    const list = patterns === null ? [] : toPatterns(patterns);
    if (this.consumers.has(queue)) throw new ValidationError('queue', `${queue} is already subscribed in this process`);
    for (const p of list) await this.backend.bind(queue, p);
    const consumer = new Consumer(
      this.backend,
      this.codec,
      { queue, concurrency, leaseMs, retry, ...(timeoutMs !== undefined ? { timeoutMs } : {}) },
      handler as Handler,
      this.log.child({ queue }),
      this,
      (event, outcome) => sendReply(this.backend, this.codec, event, outcome),
    );
    this.consumers.set(queue, consumer);
    consumer.start();
    this.registration?.refresh();
    return { queue, close: (o) => this.unsubscribe(queue, o) };
  }

  /** Stop the subscription on `queue` in this process, draining its handlers (bindings stay). */
  async unsubscribe(queue: string, options: { timeout?: Duration } = {}): Promise<void> {
    const consumer = this.consumers.get(queue);
    if (!consumer) return;
    this.consumers.delete(queue);
    await consumer.stop(parseDuration(options.timeout ?? '30s', 'timeout'));
  }

  /** Publish `name` with `data` and wait for the first handler's return value (or its error as RemoteError). */
  async request<R = unknown>(name: string, data?: unknown, options: { timeout?: Duration; headers?: Headers; tid?: string } = {}): Promise<R> {
    this.assertStarted();
    assertKnownKeys(options, ['timeout', 'headers', 'tid'], 'options');
    const timeoutMs = parseDuration(options.timeout ?? '30s', 'options.timeout');
    this.inbox ??= new ReplyInbox(this.backend, this.codec, this.log, this.instanceId);
    const id = newId();
    const [item] = this.toOutgoing({
      id,
      name,
      ...(data !== undefined ? { data } : {}),
      ...(options.tid !== undefined ? { tid: options.tid } : {}),
      headers: { ...(options.headers ?? {}), [REPLY_TO_HEADER]: this.inbox.queue, [CORRELATION_HEADER]: id },
    });
    const reply = this.inbox.expect(id, timeoutMs);
    try {
      await this.backend.publish([item!]);
    } catch (err) {
      this.inbox.forget(id);
      throw err;
    }
    return (await reply) as R;
  }

  /**
   * Take one item from a queue under a lease of `visibilityTimeout` (default 30s); null when none arrives
   * within `wait` (default 0), or when `signal` aborts first (an item claimed as it aborts is given back).
   */
  async fetch<T = unknown>(queue: string, options: { visibilityTimeout?: Duration; wait?: Duration; signal?: AbortSignal } = {}): Promise<PulledItem<T> | null> {
    this.assertStarted();
    assertQueueName(queue);
    assertKnownKeys(options, ['visibilityTimeout', 'wait', 'signal'], 'options');
    const leaseMs = parseDuration(options.visibilityTimeout ?? DEFAULT_LEASE, 'options.visibilityTimeout');
    if (leaseMs < 50) throw new ValidationError('options.visibilityTimeout', 'must be at least 50 ms');
    const waitMs = parseDuration(options.wait ?? 0, 'options.wait');
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ValidationError('options.signal', 'must be an AbortSignal');
    if (signal?.aborted) return null;
    const [d] = await this.backend.claim(queue, { max: 1, leaseMs, waitMs, ...(signal !== undefined ? { signal } : {}) });
    if (!d) return null;
    // Nobody waits for it any more: hand it back untouched rather than hide it for a whole lease.
    if (signal?.aborted) {
      await this.backend.nack({ queue, id: d.message.id, token: d.token }, { kind: 'release' });
      return null;
    }
    let event: WrkrEvent<T>;
    try {
      event = toEvent<T>(this.codec, d.message);
    } catch (err) {
      await this.backend.nack({ queue, id: d.message.id, token: d.token }, { kind: 'fail', error: toFailureInfo(err) });
      throw err;
    }
    return { queue, event, attempt: d.attempt, token: d.token, leaseUntil: new Date(d.leaseUntil) };
  }

  /** Acknowledge a pulled item; throws StaleLeaseError when its lease was lost. */
  async ack(item: Pick<PulledItem, 'queue' | 'token'> & { event: { id: string } }): Promise<void> {
    this.assertStarted();
    const ref = leaseRef(item);
    if (!(await this.backend.ack(ref))) throw new StaleLeaseError(ref.queue, ref.id);
  }

  /**
   * Give a pulled item back: retried after `delay` (default now), or moved to the failed store with
   * `fail: true`. Throws StaleLeaseError when its lease was lost.
   */
  async nack(
    item: Pick<PulledItem, 'queue' | 'token'> & { event: { id: string } },
    options: { delay?: Duration; error?: unknown; fail?: boolean } = {},
  ): Promise<void> {
    this.assertStarted();
    assertKnownKeys(options, ['delay', 'error', 'fail'], 'options');
    const ref = leaseRef(item);
    const error = toFailureInfo(options.error ?? 'nacked');
    const ok = options.fail
      ? await this.backend.nack(ref, { kind: 'fail', error })
      : await this.backend.nack(ref, { kind: 'retry', dueAt: Date.now() + parseDuration(options.delay ?? 0, 'options.delay'), error });
    if (!ok) throw new StaleLeaseError(ref.queue, ref.id);
  }

  /** Extend a pulled item's lease to `duration` from now; throws StaleLeaseError when it was lost. */
  async extend(item: Pick<PulledItem, 'queue' | 'token'> & { event: { id: string } }, duration: Duration): Promise<Date> {
    this.assertStarted();
    const ms = parseDuration(duration, 'duration');
    const ref = leaseRef(item);
    if (!(await this.backend.extend(ref, ms))) throw new StaleLeaseError(ref.queue, ref.id);
    return new Date(Date.now() + ms);
  }

  /** Exact counts of a queue. */
  async stats(queue: string): Promise<QueueStats> {
    this.assertStarted();
    assertQueueName(queue);
    return this.backend.stats(queue);
  }

  /** Every known queue. */
  async queues(): Promise<string[]> {
    this.assertStarted();
    return this.backend.queues();
  }

  /** Bindings, all or of one queue. */
  async bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    this.assertStarted();
    if (queue !== undefined) assertQueueName(queue);
    return this.backend.bindings(queue);
  }

  /** Failed items of a queue, oldest first, decoded where possible. */
  async failed(queue: string, options: { limit?: number; offset?: number } = {}): Promise<FailedEvent[]> {
    this.assertStarted();
    assertQueueName(queue);
    assertKnownKeys(options, ['limit', 'offset'], 'options');
    if (options.limit !== undefined) assertInt(options.limit, 'options.limit', 1, 10_000);
    if (options.offset !== undefined) assertInt(options.offset, 'options.offset', 0);
    this.need('failedStore');
    const items = await this.backend.failed(queue, { limit: options.limit ?? 100, offset: options.offset ?? 0 });
    return items.map((f) => {
      let event: WrkrEvent | undefined;
      try {
        event = toEvent(this.codec, f.message);
      } catch {
        event = undefined;
      }
      return { queue: f.queue, ...(event ? { event } : {}), raw: f.message, attempt: f.attempt, error: f.error, failedAt: new Date(f.failedAt) };
    });
  }

  /** Move failed items (all, or those ids) back to the queue; returns how many. */
  async replay(queue: string, ids?: string[]): Promise<number> {
    this.assertStarted();
    assertQueueName(queue);
    ids?.forEach((id, i) => assertId(id, `ids[${i}]`));
    this.need('failedStore');
    return this.backend.replay(queue, ids);
  }

  /** Delete failed items (all, or those ids); returns how many. */
  async purge(queue: string, ids?: string[]): Promise<number> {
    this.assertStarted();
    assertQueueName(queue);
    ids?.forEach((id, i) => assertId(id, `ids[${i}]`));
    this.need('failedStore');
    return this.backend.purgeFailed(queue, ids);
  }

  /** Delete a queue with its bindings, items and failed items. */
  async deleteQueue(queue: string): Promise<void> {
    this.assertStarted();
    assertQueueName(queue);
    await this.backend.deleteQueue(queue);
  }

  /** Live workers with their heartbeats. */
  async workers(): Promise<WorkerInfo[]> {
    this.assertStarted();
    this.need('workers');
    return this.backend.workers();
  }

  /**
   * Create or replace the recurring schedule `name`: `{ every: '90 minutes' }` or
   * `{ cron: '0 2 * * *', tz: 'Europe/Amsterdam' }`, publishing `event` at each occurrence.
   */
  async schedule(
    name: string,
    rule: ScheduleRuleInput,
    event: Omit<EventInput, 'when' | 'id'>,
    options: { active?: boolean } = {},
  ): Promise<ScheduleInfo> {
    this.assertStarted();
    assertId(name, 'name');
    this.need('schedules');
    assertKnownKeys(options, ['active'], 'options');
    const stored = parseScheduleRule(rule);
    if (!isPlainObject(event)) throw new ValidationError('event', 'must be an object');
    assertKnownKeys(event, ['name', 'tid', 'data', 'headers'], 'event');
    const [item] = this.toOutgoing({ ...event, id: 'template' }, 'event');
    const existing = await this.backend.getSchedule(name);
    const now = Date.now();
    const record: ScheduleRecord = {
      name,
      rule: stored,
      event: {
        name: item!.message.name,
        ...(item!.message.tid !== undefined ? { tid: item!.message.tid } : {}),
        ...(event.headers !== undefined ? { headers: item!.message.headers! } : {}),
        ...(item!.message.body !== undefined ? { body: item!.message.body } : {}),
      },
      active: options.active ?? existing?.active ?? true,
      nextRunAt: nextOccurrence(stored, now),
      ...(existing?.lastRunAt !== undefined ? { lastRunAt: existing.lastRunAt } : {}),
      updatedAt: Math.max(now, (existing?.updatedAt ?? 0) + 1),
    };
    await this.backend.upsertSchedule(record);
    this.scheduler?.poke();
    return this.toScheduleInfo(record);
  }

  /** Remove a schedule; false when there was none. */
  async unschedule(name: string): Promise<boolean> {
    this.assertStarted();
    assertId(name, 'name');
    this.need('schedules');
    const removed = await this.backend.removeSchedule(name);
    this.scheduler?.poke();
    return removed;
  }

  /** Pause (`active: false`) or resume a schedule; resuming restarts its series from now. */
  async setScheduleActive(name: string, active: boolean): Promise<ScheduleInfo> {
    this.assertStarted();
    this.need('schedules');
    const existing = await this.backend.getSchedule(name);
    if (!existing) throw new NotFoundError('schedule', name);
    const now = Date.now();
    const record: ScheduleRecord = {
      ...existing,
      active,
      nextRunAt: active && !existing.active ? nextOccurrence(existing.rule, now) : existing.nextRunAt,
      updatedAt: Math.max(now, existing.updatedAt + 1),
    };
    await this.backend.upsertSchedule(record);
    this.scheduler?.poke();
    return this.toScheduleInfo(record);
  }

  /** Publish a schedule's event now, outside its series; returns the published event id. */
  async trigger(name: string): Promise<Published> {
    this.assertStarted();
    this.need('schedules');
    const record = await this.backend.getSchedule(name);
    if (!record) throw new NotFoundError('schedule', name);
    const message: Message = {
      id: newId(),
      name: record.event.name,
      ...(record.event.tid !== undefined ? { tid: record.event.tid } : {}),
      headers: { ...(record.event.headers ?? {}), 'wrkr-schedule': name, 'wrkr-trigger': 'manual' },
      ...(record.event.body !== undefined ? { body: record.event.body } : {}),
      publishedAt: Date.now(),
    };
    await this.backend.publish([{ message }]);
    return { id: message.id, dueAt: message.publishedAt };
  }

  /** One schedule, or undefined. */
  async getSchedule(name: string): Promise<ScheduleInfo | undefined> {
    this.assertStarted();
    this.need('schedules');
    const record = await this.backend.getSchedule(name);
    return record && this.toScheduleInfo(record);
  }

  /** Every schedule with its next and last run. */
  async schedules(): Promise<ScheduleInfo[]> {
    this.assertStarted();
    this.need('schedules');
    return (await this.backend.listSchedules()).map((r) => this.toScheduleInfo(r));
  }

  private toScheduleInfo(r: ScheduleRecord): ScheduleInfo {
    let data: unknown;
    try {
      data = this.codec.decode(r.event.body, r.event.name);
    } catch {
      data = undefined;
    }
    return {
      name: r.name,
      rule: r.rule,
      event: {
        name: r.event.name,
        ...(r.event.tid !== undefined ? { tid: r.event.tid } : {}),
        ...(data !== undefined ? { data } : {}),
        ...(r.event.headers !== undefined ? { headers: { ...r.event.headers } } : {}),
      },
      active: r.active,
      nextRunAt: new Date(r.nextRunAt),
      ...(r.lastRunAt !== undefined ? { lastRunAt: new Date(r.lastRunAt) } : {}),
    };
  }

  /** Validate and encode events; nothing is written when any of them is bad. */
  private toOutgoing(input: EventInput | EventInput[], field = 'event'): Outgoing[] {
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) throw new ValidationError(field, 'no events given');
    const now = Date.now();
    return list.map((e, i) => {
      const f = Array.isArray(input) ? `${field}[${i}]` : field;
      if (!isPlainObject(e)) throw new ValidationError(f, 'must be an object');
      assertKnownKeys(e, EVENT_KEYS, f);
      assertEventName(e.name, `${f}.name`);
      if (e.tid !== undefined && (typeof e.tid !== 'string' || e.tid.length === 0 || e.tid.length > 200)) {
        throw new ValidationError(`${f}.tid`, 'must be a string of 1–200 characters');
      }
      if (e.headers !== undefined) assertHeaders(e.headers, `${f}.headers`);
      if (e.id !== undefined) assertId(e.id, `${f}.id`);
      const dueAt = e.when === undefined ? undefined : parseWhen(e.when, now, `${f}.when`);
      if (dueAt !== undefined) this.need('delayed');
      const body = this.codec.encode(e.data, e.name, e.headers?.owner, `${f}.data`);
      // Built field by field (no conditional spreads): this runs for every published event.
      const message: { -readonly [K in keyof Message]: Message[K] } = { id: e.id ?? newId(), name: e.name, publishedAt: now };
      if (e.tid !== undefined) message.tid = e.tid;
      if (e.headers !== undefined) message.headers = { ...e.headers };
      if (body !== undefined) message.body = body;
      return dueAt !== undefined && dueAt > now ? { message, dueAt } : { message };
    });
  }

  private assertStarted(): void {
    if (this.state === 'started') return;
    if (this.state === 'stopping' || this.state === 'stopped') throw new ClosedError();
    throw new NotStartedError();
  }

  private need(capability: keyof Backend['capabilities']): void {
    if (!this.backend.capabilities[capability]) throw new NotSupportedError(capability, this.backend.name);
  }
}

function toPatterns(patterns: string | string[]): string[] {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  list.forEach((p, i) => assertPattern(p, Array.isArray(patterns) ? `patterns[${i}]` : 'pattern'));
  return list;
}

function published(o: Outgoing): Published {
  return { id: o.message.id, dueAt: o.dueAt ?? o.message.publishedAt };
}

function leaseRef(item: Pick<PulledItem, 'queue' | 'token'> & { event: { id: string } }): { queue: string; id: string; token: string } {
  if (!isPlainObject(item) && typeof item !== 'object') throw new ValidationError('item', 'must be an item returned by fetch');
  if (typeof item?.token !== 'string' || typeof item.queue !== 'string' || typeof item.event?.id !== 'string') {
    throw new ValidationError('item', 'must be an item returned by fetch (queue, token, event.id)');
  }
  return { queue: item.queue, id: item.event.id, token: item.token };
}
