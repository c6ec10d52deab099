import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Backend, FailedItem, JobListOptions, KeepCompleted, LeaseRef, Message, QueueCounters, QueueLimits, QueueStats, WorkerInfo } from './contract';
import { BACKEND_CONTRACT_VERSION } from './contract';
import { assertJobListOptions, assertLeaseRef } from './backend-input';
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, toEvent } from './codec';
import { toJobInfo, type JobInfo } from './job-info';
import { queueLimitsInMs, type QueueLimitsInput } from './queue-limits-input';
import { parseKeepCompleted, resultText, type KeepCompletedOptions } from './keep-completed';
import { Consumer } from './consumer';
import { LifecyclePublisher } from './lifecycle-publisher';
import { LifecycleWatch } from './lifecycle-watch';
import { PullLifecycle } from './pull-lifecycle';
import { defaultBackend } from './default-backend';
import { parseDuration, parseTimerDuration, type Duration } from './duration';
import { ClosedError, NotStartedError, NotSupportedError, StaleLeaseError, ValidationError } from './errors';
import type { EventInput, Headers, Published, WrkrEvent } from './event';
import { EventEncoder, published } from './event-encoder';
import type { DataHandler, Handler, SubscribeOptions } from './handler';
import { newId } from './ids';
import { silentLogger, type Logger } from './logger';
import type { EncryptionOptions } from './payload-cipher';
import { CORRELATION_HEADER, REPLY_TO_HEADER, ReplyInbox, sendReply } from './request-reply';
import { RetryPolicy } from './retry-policy';
import type { ScheduleRuleInput } from './schedule-rule';
import { ScheduleAdmin, Scheduler, type ScheduleInfo } from './scheduler';
import { traceProduce } from './tracing';
import { assertId, assertInt, assertKnownKeys, assertPattern, assertQueueName, isPlainObject } from './validation';
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

/** An item taken with the pull API; it is its own lease handle (`queue`, `id`, `token`) for `ack`, `nack` and `extend`. */
export interface PulledItem<T = unknown> extends LeaseRef {
  /** The queue it came from. */
  readonly queue: string;
  /** The event's id. */
  readonly id: string;
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

/** A queue's counts (`QueueStats`) and, where it has any, the limits every process honours for it. */
export interface QueueStatus extends QueueStats {
  /** The queue's limits (`setQueueLimits`), absent when it has none or the backend has no `queueLimits`. */
  readonly limits?: QueueLimits;
}

export type { ScheduleInfo } from './scheduler';

const SUBSCRIBE_KEYS = ['concurrency', 'visibilityTimeout', 'retry', 'timeout', 'data', 'logBindings', 'keepCompleted'];
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
  private readonly encoder: EventEncoder;
  private readonly instanceId = randomUUID();
  private readonly consumers = new Map<string, Consumer>();
  private readonly registration?: WorkerRegistration;
  private readonly scheduler?: Scheduler;
  private readonly scheduleAdmin: ScheduleAdmin;
  private readonly lifecycle: LifecyclePublisher;
  private readonly pulled: PullLifecycle;
  private readonly watches = new Set<LifecycleWatch>();
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
    this.encoder = new EventEncoder(this.codec, this.backend);
    this.lifecycle = new LifecyclePublisher(this.backend, this.log);
    this.pulled = new PullLifecycle(this.backend, this.lifecycle, this.log);

    if (options.worker !== false) {
      const w = options.worker ?? {};
      assertKnownKeys(w, ['id', 'heartbeat', 'meta'], 'options.worker');
      const id = w.id ?? `${hostname()}-${process.pid}-${this.instanceId.slice(0, 8)}`;
      assertId(id, 'options.worker.id');
      const interval = parseTimerDuration(w.heartbeat ?? '10s', 'options.worker.heartbeat');
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
      this.scheduler = new Scheduler(this.backend, this.codec, this.log, parseTimerDuration(s.poll ?? '1s', 'options.scheduler.poll'));
    }
    this.scheduleAdmin = new ScheduleAdmin(this.backend, this.codec, this.encoder, this.scheduler);
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
    const timeoutMs = parseTimerDuration(options.timeout ?? '30s', 'timeout');
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    // start() may have failed and closed everything while we waited.
    if ((this.state as string) === 'stopped') return;
    this.state = 'stopping';
    await Promise.all([...this.consumers.values()].map((c) => c.stop(timeoutMs)));
    this.consumers.clear();
    await Promise.all([...this.watches].map((w) => w.close()));
    await this.lifecycle.flush();
    await this.scheduler?.stop();
    await this.inbox?.close();
    await this.registration?.stop();
    await this.backend.close();
    this.state = 'stopped';
    this.log.info('wrkr stopped');
  }

  /** Publish one event (or a batch, atomically validated) to every queue bound to a matching pattern. */
  publish<T = unknown>(event: EventInput<T>): Promise<Published>;
  publish<T = unknown>(events: EventInput<T>[]): Promise<Published[]>;
  async publish(input: EventInput | EventInput[]): Promise<Published | Published[]> {
    this.assertStarted();
    const items = this.encoder.toOutgoing(input);
    const outcomes = await traceProduce(this.backend.name, 'publish', undefined, items, (traced) => this.backend.publish(traced));
    const result = published(items, outcomes);
    return Array.isArray(input) ? result : result[0]!;
  }

  /** Send one event (or a batch) straight to a queue, bypassing routing. */
  send<T = unknown>(queue: string, event: EventInput<T>): Promise<Published>;
  send<T = unknown>(queue: string, events: EventInput<T>[]): Promise<Published[]>;
  async send(queue: string, input: EventInput | EventInput[]): Promise<Published | Published[]> {
    this.assertStarted();
    assertQueueName(queue);
    const items = this.encoder.toOutgoing(input);
    const outcomes = await traceProduce(this.backend.name, 'send', queue, items, (traced) => this.backend.send(queue, traced));
    const result = published(items, outcomes);
    return Array.isArray(input) ? result : result[0]!;
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
   * concurrency, lease, retry policy and job timeout. With `{ data: 'required' }` the handler's
   * `event.data` is `T`: an event without data goes to the failed store instead.
   */
  subscribe<T = unknown, R = unknown>(
    queue: string,
    patterns: string | string[] | null,
    handler: DataHandler<T, R>,
    options: SubscribeOptions<T> & { data: 'required' },
  ): Promise<Subscription>;
  subscribe<T = unknown, R = unknown>(queue: string, patterns: string | string[] | null, handler: Handler<T, R>, options?: SubscribeOptions<T>): Promise<Subscription>;
  subscribe<T = unknown, R = unknown>(
    queue: string,
    patterns: string | string[] | null,
    handler: Handler<T, R> | DataHandler<T, R>,
    options: SubscribeOptions<T> = {},
  ): Promise<Subscription> {
    return this.consume(queue, patterns, handler, options, false);
  }

  /**
   * Like `subscribe`, and the handler answers requests: its return value (or thrown error, as
   * `RemoteError`) is sent back to the requester. Plain `subscribe` handlers never reply; when several
   * responders match one published request, the first reply wins and the others are dropped.
   */
  respond<T = unknown, R = unknown>(
    queue: string,
    patterns: string | string[] | null,
    handler: DataHandler<T, R>,
    options: SubscribeOptions<T> & { data: 'required' },
  ): Promise<Subscription>;
  respond<T = unknown, R = unknown>(queue: string, patterns: string | string[] | null, handler: Handler<T, R>, options?: SubscribeOptions<T>): Promise<Subscription>;
  respond<T = unknown, R = unknown>(
    queue: string,
    patterns: string | string[] | null,
    handler: Handler<T, R> | DataHandler<T, R>,
    options: SubscribeOptions<T> = {},
  ): Promise<Subscription> {
    return this.consume(queue, patterns, handler, options, true);
  }

  private async consume<T, R>(
    queue: string,
    patterns: string | string[] | null,
    handler: Handler<T, R> | DataHandler<T, R>,
    options: SubscribeOptions<T>,
    replies: boolean,
  ): Promise<Subscription> {
    this.assertStarted();
    assertQueueName(queue);
    if (typeof handler !== 'function') throw new ValidationError('handler', 'must be a function');
    assertKnownKeys(options, SUBSCRIBE_KEYS, 'options');
    const concurrency = options.concurrency ?? 1;
    assertInt(concurrency, 'options.concurrency', 1, 10_000);
    const leaseMs = parseDuration(options.visibilityTimeout ?? DEFAULT_LEASE, 'options.visibilityTimeout');
    if (leaseMs < 50) throw new ValidationError('options.visibilityTimeout', 'must be at least 50 ms');
    const timeoutMs = options.timeout === undefined ? undefined : parseTimerDuration(options.timeout, 'options.timeout');
    const retry = new RetryPolicy(options.retry, 'options.retry');
    if (options.data !== undefined && options.data !== 'required' && options.data !== 'optional') {
      throw new ValidationError('options.data', "must be 'required' or 'optional'");
    }
    if (options.logBindings !== undefined && typeof options.logBindings !== 'function') throw new ValidationError('options.logBindings', 'must be a function');
    const keepCompleted = options.keepCompleted === undefined ? undefined : parseKeepCompleted(options.keepCompleted, 'options.keepCompleted');
    if (keepCompleted !== undefined) this.need('keepCompleted');
    const list = patterns === null ? [] : toPatterns(patterns);
    if (this.consumers.has(queue)) throw new ValidationError('queue', `${queue} is already subscribed in this process`);
    for (const p of list) await this.backend.bind(queue, p);
    const consumer = new Consumer(
      this.backend,
      this.codec,
      {
        queue,
        concurrency,
        leaseMs,
        retry,
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(options.data === 'required' ? { requireData: true } : {}),
        ...(options.logBindings !== undefined ? { logBindings: options.logBindings as (event: WrkrEvent) => Record<string, unknown> } : {}),
        ...(keepCompleted !== undefined ? { keepCompleted } : {}),
      },
      handler as Handler,
      this.log.child({ queue }),
      this,
      this.lifecycle,
      replies ? (event, outcome) => sendReply(this.backend, this.codec, event, outcome) : undefined,
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
    await consumer.stop(parseTimerDuration(options.timeout ?? '30s', 'timeout'));
  }

  /**
   * Publish `name` with `data` (or, with `queue`, send it to that one queue) and wait for the first
   * reply of a `respond` handler: its return value, or its error as RemoteError; TimeoutError when none comes.
   */
  async request<R = unknown>(name: string, data?: unknown, options: { timeout?: Duration; headers?: Headers; tid?: string; queue?: string } = {}): Promise<R> {
    this.assertStarted();
    assertKnownKeys(options, ['timeout', 'headers', 'tid', 'queue'], 'options');
    if (options.queue !== undefined) assertQueueName(options.queue);
    const timeoutMs = parseTimerDuration(options.timeout ?? '30s', 'options.timeout');
    this.inbox ??= new ReplyInbox(this.backend, this.codec, this.log, this.instanceId);
    const id = newId();
    const [item] = this.encoder.toOutgoing({
      id,
      name,
      ...(data !== undefined ? { data } : {}),
      ...(options.tid !== undefined ? { tid: options.tid } : {}),
      headers: { ...(options.headers ?? {}), [REPLY_TO_HEADER]: this.inbox.queue, [CORRELATION_HEADER]: id },
    });
    const reply = this.inbox.expect(id, timeoutMs);
    try {
      const queue = options.queue;
      await (queue === undefined
        ? traceProduce(this.backend.name, 'publish', undefined, [item!], (traced) => this.backend.publish(traced))
        : traceProduce(this.backend.name, 'send', queue, [item!], (traced) => this.backend.send(queue, traced)));
    } catch (err) {
      this.inbox.forget(id);
      throw err;
    }
    return (await reply) as R;
  }

  /**
   * Take one item from a queue under a lease of `visibilityTimeout` (default 30s); null when none arrives
   * within `wait` (default 0), or when `signal` aborts first (an item claimed as it aborts is given back).
   * With `worker` (an external worker's id; needs `capabilities.stickyPull`): while that worker holds an
   * unacked, unexpired lease on an item of this queue, that same item comes back at once, as a new lease
   * (fresh token, the old one stale; lease from now; attempt + 1), so a worker that restarted and lost its
   * token resumes its task instead of waiting for the lease to run out. An item a worker's fetch claimed
   * as `signal` aborted stays that worker's (its next fetch gets it) rather than being given back.
   */
  async fetch<T = unknown>(queue: string, options: { visibilityTimeout?: Duration; wait?: Duration; signal?: AbortSignal; worker?: string } = {}): Promise<PulledItem<T> | null> {
    this.assertStarted();
    assertQueueName(queue);
    assertKnownKeys(options, ['visibilityTimeout', 'wait', 'signal', 'worker'], 'options');
    const leaseMs = parseDuration(options.visibilityTimeout ?? DEFAULT_LEASE, 'options.visibilityTimeout');
    if (leaseMs < 50) throw new ValidationError('options.visibilityTimeout', 'must be at least 50 ms');
    const waitMs = parseTimerDuration(options.wait ?? 0, 'options.wait');
    const { signal, worker } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ValidationError('options.signal', 'must be an AbortSignal');
    if (worker !== undefined) {
      assertId(worker, 'options.worker');
      this.need('stickyPull');
    }
    if (signal?.aborted) return null;
    const [d] = await this.backend.claim(queue, { max: 1, leaseMs, waitMs, ...(signal !== undefined ? { signal } : {}), ...(worker !== undefined ? { holder: worker } : {}) });
    if (!d) return null;
    // Nobody waits for it any more: hand it back untouched rather than hide it for a whole lease — unless
    // a worker took it: then it stays that worker's, and its next fetch gets it back at once.
    if (signal?.aborted) {
      if (worker === undefined) await this.backend.nack({ queue, id: d.message.id, token: d.token }, { kind: 'release' });
      return null;
    }
    let event: WrkrEvent<T>;
    try {
      event = toEvent<T>(this.codec, d.message);
    } catch (err) {
      await this.backend.nack({ queue, id: d.message.id, token: d.token }, { kind: 'fail', error: toFailureInfo(err) });
      throw err;
    }
    this.pulled.fetched(d.token, event.name, d.attempt);
    return { queue, id: event.id, event, attempt: d.attempt, token: d.token, leaseUntil: new Date(d.leaseUntil) };
  }

  /**
   * Acknowledge a pulled item: by its lease `{ queue, id, token }` (a PulledItem is one), or by
   * `(queue, { worker })`, the item that worker holds (fetched with `worker`; needs
   * `capabilities.stickyPull`). With `keepCompleted: { count, age }` the item is kept as completed, with
   * `result` (JSON, at most 4096 characters) when given, as `subscribe`'s option keeps it. Throws
   * StaleLeaseError when the lease was lost (or the worker holds none).
   */
  async ack(lease: LeaseRef, options?: { result?: unknown; keepCompleted?: KeepCompletedOptions }): Promise<void>;
  async ack(queue: string, options: { worker: string; result?: unknown; keepCompleted?: KeepCompletedOptions }): Promise<void>;
  async ack(target: LeaseRef | string, options: { worker?: string; result?: unknown; keepCompleted?: KeepCompletedOptions } = {}): Promise<void> {
    this.assertStarted();
    const byWorker = typeof target === 'string';
    if (!byWorker) assertKnownKeys(options, ['result', 'keepCompleted'], 'options');
    let keep: KeepCompleted | undefined;
    if (isPlainObject(options) && options.keepCompleted !== undefined) {
      const result = resultText(options.result, 'options.result');
      keep = { ...parseKeepCompleted(options.keepCompleted, 'options.keepCompleted'), ...(result !== undefined && { result }) };
      this.need('keepCompleted');
    } else if (isPlainObject(options) && options.result !== undefined) {
      throw new ValidationError('options.result', 'is kept only with keepCompleted: { count, age }');
    }
    const ref = byWorker ? await this.heldBy(target, options, ['worker', 'result', 'keepCompleted']) : leaseRef(target);
    const settle = (): Promise<boolean> => (keep ? this.backend.ack(ref, { keep }) : this.backend.ack(ref));
    if (!(await this.pulled.settle(ref, settle, { kind: 'completed', ...(keep?.result !== undefined && { result: keep.result }) }))) throw new StaleLeaseError(ref.queue, ref.id);
  }

  /**
   * Give a pulled item back: retried after `delay` (default now), or moved to the failed store with
   * `fail: true`. The item is its lease `{ queue, id, token }`, or `(queue, { worker, ... })` the item that
   * worker holds (needs `capabilities.stickyPull`). Throws StaleLeaseError when its lease was lost.
   */
  async nack(lease: LeaseRef, options?: { delay?: Duration; error?: unknown; fail?: boolean }): Promise<void>;
  async nack(queue: string, options: { worker: string; delay?: Duration; error?: unknown; fail?: boolean }): Promise<void>;
  async nack(target: LeaseRef | string, options: { worker?: string; delay?: Duration; error?: unknown; fail?: boolean } = {}): Promise<void> {
    this.assertStarted();
    let ref: LeaseRef;
    if (typeof target === 'string') {
      ref = await this.heldBy(target, options, ['worker', 'delay', 'error', 'fail']);
    } else {
      assertKnownKeys(options, ['delay', 'error', 'fail'], 'options');
      ref = leaseRef(target);
    }
    const error = toFailureInfo(options.error ?? 'nacked');
    // Watchers and counters see a pulled item's nack as they see a handler's failure: failed or retrying.
    let ok: boolean;
    if (options.fail) {
      ok = await this.pulled.settle(ref, () => this.backend.nack(ref, { kind: 'fail', error }), { kind: 'failed', error });
    } else {
      const dueAt = Date.now() + parseDuration(options.delay ?? 0, 'options.delay');
      ok = await this.pulled.settle(ref, () => this.backend.nack(ref, { kind: 'retry', dueAt, error }), { kind: 'retrying', error, dueAt });
    }
    if (!ok) throw new StaleLeaseError(ref.queue, ref.id);
  }

  /** Extend a pulled item's lease `{ queue, id, token }` to `duration` from now; throws StaleLeaseError when it was lost. */
  async extend(lease: LeaseRef, duration: Duration): Promise<Date> {
    this.assertStarted();
    const ms = parseDuration(duration, 'duration');
    const ref = leaseRef(lease);
    if (!(await this.backend.extend(ref, ms))) throw new StaleLeaseError(ref.queue, ref.id);
    return new Date(Date.now() + ms);
  }

  /** Exact counts of a queue, with its limits when it has any. */
  async stats(queue: string): Promise<QueueStatus> {
    this.assertStarted();
    assertQueueName(queue);
    if (!this.backend.capabilities.queueLimits) return this.backend.stats(queue);
    const [stats, limits] = await Promise.all([this.backend.stats(queue), this.backend.queueLimits(queue)]);
    return Object.keys(limits).length === 0 ? stats : { ...stats, limits };
  }

  /** Stop every process claiming from `queue` (persisted in the backend) until `resume`; items keep arriving. */
  async pause(queue: string): Promise<void> {
    this.assertStarted();
    assertQueueName(queue);
    this.need('pause');
    await this.backend.pause(queue);
  }

  /** The progress last stored by the handler running item `id` of `queue` (any process), or undefined when it is not running or reported none. */
  async progress(queue: string, id: string): Promise<unknown> {
    this.assertStarted();
    assertQueueName(queue);
    assertId(id);
    this.need('progress');
    const text = await this.backend.progress(queue, id);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  }

  /**
   * Follow `queue`'s job lifecycle as every process's consumers report it (started, progress, completed
   * with result, failed, retrying): resolves once subscribed. Live and best-effort, not a log: events
   * published while no watch was connected are missed (`counters` are the durable part). Close it when done.
   */
  async watch(queue: string): Promise<LifecycleWatch> {
    this.assertStarted();
    assertQueueName(queue);
    this.need('lifecycleEvents');
    const watch = new LifecycleWatch(queue, this.log.child({ watch: queue }), (w) => this.watches.delete(w));
    watch.attach(await this.backend.watchLifecycle(queue, (e) => watch.deliver(e)));
    this.watches.add(watch);
    return watch;
  }

  /** Durable totals of `queue`'s completed, failed and retried jobs (counted by the consumers of every process). */
  async counters(queue: string): Promise<QueueCounters> {
    this.assertStarted();
    assertQueueName(queue);
    this.need('lifecycleEvents');
    return this.backend.counters(queue);
  }

  /**
   * Limit `queue` for every process together (persisted in the backend): at most `concurrency` items in
   * flight at once, across every consumer of every process (a subscription's own `concurrency` stays a
   * per-process cap), and at most `rate.max` starts in any window of `rate.per` (a duration; sliding, so an
   * API allowing 100 calls a minute never sees 101 in any minute). A limited item is no failure and uses
   * no attempt: it waits. `group` (with `capabilities.fairGroups`) groups items by `tid` or a header: per
   * group at most `group.concurrency` in flight and `group.rate` starts, and groups served in turn, so one
   * tenant's backlog delays another tenant's item by at most one turn. `{}` or null removes the limits.
   */
  async setQueueLimits(queue: string, limits: QueueLimitsInput | null): Promise<void> {
    this.assertStarted();
    assertQueueName(queue);
    this.need('queueLimits');
    await this.backend.setQueueLimits(queue, queueLimitsInMs(limits));
  }

  /** The limits every process honours for `queue` (`{}` when none); `rate.per` in ms. */
  async queueLimits(queue: string): Promise<QueueLimits> {
    this.assertStarted();
    assertQueueName(queue);
    this.need('queueLimits');
    return this.backend.queueLimits(queue);
  }

  /** Let every process claim from a paused `queue` again. */
  async resume(queue: string): Promise<void> {
    this.assertStarted();
    assertQueueName(queue);
    this.need('pause');
    await this.backend.resume(queue);
  }

  /**
   * Stop the handler running item `id` of `queue`, in whichever process holds it: its `ctx.signal`
   * aborts with an AbortedError within a second, then the item follows the retry policy, or goes to the
   * failed store with `fail: true`. Returns false when the item is not in flight.
   */
  async abort(queue: string, id: string, options: { reason?: string; fail?: boolean } = {}): Promise<boolean> {
    this.assertStarted();
    assertQueueName(queue);
    assertKnownKeys(options, ['reason', 'fail'], 'options');
    this.need('abort');
    return this.backend.abort(queue, id, { ...(options.reason !== undefined && { reason: options.reason }), ...(options.fail !== undefined && { fail: options.fail }) });
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

  /** One item of a queue, whatever its state, or undefined when the queue does not hold it. */
  async job<T = unknown>(queue: string, id: string): Promise<JobInfo<T> | undefined> {
    this.assertStarted();
    assertQueueName(queue);
    assertId(id);
    this.need('jobLookup');
    const record = await this.backend.job(queue, id);
    if (record === undefined) return undefined;
    const info = toJobInfo<T>(this.codec, record);
    // Progress belongs to the running delivery, so only an item in flight has any.
    const progress = record.state === 'inFlight' && this.backend.capabilities.progress ? await this.backend.progress(queue, id) : undefined;
    return progress === undefined ? info : { ...info, progress: JSON.parse(progress) as unknown };
  }

  /**
   * A page of one state of a queue: ready in the order they will be taken, delayed by due time, inFlight
   * by lease end, failed most recent first, completed (kept with `keepCompleted`) most recent first.
   * `limit` 1…1000 (default 50), `offset` default 0.
   */
  async jobs<T = unknown>(queue: string, options: { state: JobListOptions['state']; limit?: number; offset?: number }): Promise<Array<JobInfo<T>>> {
    this.assertStarted();
    assertQueueName(queue);
    assertJobListOptions(options);
    this.need('listings');
    const records = await this.backend.jobs(queue, options);
    return records.map((r) => toJobInfo<T>(this.codec, r));
  }

  /** Delayed publishes not yet routed, soonest due first (`limit` 1…1000, default 50); each cancellable with `cancel(id)`. */
  async pending(options: { limit?: number; offset?: number } = {}): Promise<Array<{ id: string; name: string; tid?: string; dueAt: Date }>> {
    this.assertStarted();
    assertKnownKeys(options, ['limit', 'offset'], 'options');
    if (options.limit !== undefined) assertInt(options.limit, 'options.limit', 1, 1000);
    if (options.offset !== undefined) assertInt(options.offset, 'options.offset', 0);
    this.need('pendingList');
    const page = await this.backend.pending(options);
    return page.map((p) => ({ id: p.id, name: p.name, ...(p.tid !== undefined ? { tid: p.tid } : {}), dueAt: new Date(p.dueAt) }));
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
    return this.scheduleAdmin.upsert(name, rule, event, options);
  }

  /** Remove a schedule; false when there was none. */
  async unschedule(name: string): Promise<boolean> {
    this.assertStarted();
    assertId(name, 'name');
    this.need('schedules');
    return this.scheduleAdmin.remove(name);
  }

  /** Pause (`active: false`) or resume a schedule; resuming restarts its series from now. */
  async setScheduleActive(name: string, active: boolean): Promise<ScheduleInfo> {
    this.assertStarted();
    assertId(name, 'name');
    if (typeof active !== 'boolean') throw new ValidationError('active', 'must be true or false');
    this.need('schedules');
    return this.scheduleAdmin.setActive(name, active);
  }

  /** Publish a schedule's event now, outside its series; returns the published event id. */
  async trigger(name: string): Promise<Published> {
    this.assertStarted();
    assertId(name, 'name');
    this.need('schedules');
    return this.scheduleAdmin.trigger(name);
  }

  /** One schedule, or undefined. */
  async getSchedule(name: string): Promise<ScheduleInfo | undefined> {
    this.assertStarted();
    assertId(name, 'name');
    this.need('schedules');
    return this.scheduleAdmin.get(name);
  }

  /** Every schedule with its next and last run. */
  async schedules(): Promise<ScheduleInfo[]> {
    this.assertStarted();
    this.need('schedules');
    return this.scheduleAdmin.list();
  }

  private assertStarted(): void {
    if (this.state === 'started') return;
    if (this.state === 'stopping' || this.state === 'stopped') throw new ClosedError();
    throw new NotStartedError();
  }

  /** The lease the worker named in `by` holds on an item of `queue`; StaleLeaseError when it holds none. */
  private async heldBy(queue: string, by: unknown, keys: readonly string[]): Promise<LeaseRef> {
    assertQueueName(queue);
    if (!isPlainObject(by)) throw new ValidationError('options', 'must be an object with the worker id');
    assertKnownKeys(by, keys, 'options');
    assertId(by.worker, 'options.worker');
    this.need('stickyPull');
    const ref = await this.backend.heldBy(queue, by.worker);
    if (ref === undefined) throw new StaleLeaseError(queue, { worker: by.worker });
    return ref;
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

/** Just the lease of a handle (a PulledItem, or a `{ queue, id, token }` that came back over the wire). */
function leaseRef(lease: unknown): LeaseRef {
  assertLeaseRef(lease, 'lease');
  return { queue: lease.queue, id: lease.id, token: lease.token };
}
