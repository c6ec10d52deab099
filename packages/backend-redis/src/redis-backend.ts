import { randomBytes } from 'node:crypto';
import { Redis, type ChainableCommander, type Cluster, type RedisOptions } from 'ioredis';
import {
  BACKEND_CONTRACT_VERSION,
  BackendError,
  ClosedError,
  NotStartedError,
  ValidationError,
  assertEventName,
  assertId,
  assertInt,
  assertKnownKeys,
  assertPattern,
  assertQueueName,
  isWrkrError,
  maskUrl,
  silentLogger,
  type Backend,
  type BackendCapabilities,
  type ClaimOptions,
  type Delivery,
  type FailedItem,
  type LeaseRef,
  type ListOptions,
  type Logger,
  type Message,
  type NackOutcome,
  type Outgoing,
  type QueueStats,
  type ScheduleRecord,
  type WorkerInfo,
} from '@wrkr/core';
import { decodeFailed, decodeMessage, decodeSchedule, decodeWorker, encodeFailure, encodeMessage, encodeSchedule } from './codec';
import { AckBatcher } from './ack-batcher';
import { Keys } from './keys';
import { defineScripts, runScript, type ScriptName } from './scripts';
import { WakeHub } from './wake-hub';
import { errorInfo } from './error-info';

/** Options of the Redis backend. */
export interface RedisBackendOptions {
  /** Connection URL, e.g. `redis://127.0.0.1:6379/0` (default: ioredis defaults, localhost:6379). */
  readonly url?: string;
  /** Extra ioredis options for the connections this backend opens. `keyPrefix` is not supported: use `namespace`. */
  readonly redis?: RedisOptions;
  /**
   * A client to share for commands (not closed by the backend); the wake-up connection is duplicated
   * from it. Pass an ioredis `Cluster` to run on Redis Cluster.
   */
  readonly client?: Redis | Cluster;
  /** Prefix (and Cluster hash tag) of every key: `{namespace}:…`. Default `wrkr`. */
  readonly namespace?: string;
  /** pino-compatible logger. */
  readonly logger?: Logger;
  /** How often (ms) the wake-up connection is pinged and idle claims re-check their queue anyway. Default 5000. */
  readonly watchdogMs?: number;
}

const OPTION_KEYS = ['url', 'redis', 'client', 'namespace', 'logger', 'watchdogMs'] as const;
const NAMESPACE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$/;
// Bounds the work of one script call (and Lua's unpack() stack) when a large backlog falls due at once.
const PROMOTE_LIMIT = 1000;
const MAX_CLAIM = 10_000;

/**
 * wrkr backend on Redis through ioredis. Every multi-step change is one Lua script (see `src/scripts`);
 * idle claims wait on pub/sub wake-ups and precise local timers, never by polling.
 */
export class RedisBackend implements Backend {
  /** @inheritdoc */
  readonly name = 'redis';
  /** @inheritdoc */
  readonly contractVersion = BACKEND_CONTRACT_VERSION;
  /** @inheritdoc */
  readonly capabilities: BackendCapabilities = {
    delayed: true,
    cancel: true,
    schedules: true,
    failedStore: true,
    workers: true,
    persistent: true,
    idempotentIds: true,
  };
  /** The namespace every key lives under. */
  readonly namespace: string;

  private readonly keys: Keys;
  private readonly log: Logger;
  private readonly client: Redis | Cluster;
  private readonly ownsClient: boolean;
  private readonly sub: Redis | Cluster;
  private readonly hub: WakeHub;
  private readonly watchdogMs: number;
  private readonly acks = new AckBatcher(async (refs) => {
    const args: string[] = [];
    for (const r of refs) args.push(r.queue, r.id, r.token);
    // Not `run`: acks issued just before close() still go out ahead of the QUIT.
    try {
      return (await runScript(this.client, 'ack', this.keys.anchor, [this.keys.prefix, ...args])) as number[];
    } catch (err) {
      throw this.wrap('ack', err);
    }
  });
  private readonly tokenBase = `${randomBytes(9).toString('base64url')}.`;
  private claimSeq = 0;
  private starting?: Promise<void>;
  private closed = false;
  /** Where the backend connects, credentials masked, for error messages. */
  private readonly target: string;
  // ioredis rejects a failed connect() with a bare "Connection is closed."; the cause came as an 'error' event.
  private lastConnectionError?: Error;
  private readonly onClientError = (err: Error): void => {
    this.lastConnectionError = err;
    this.log.warn({ err: errorInfo(err), role: 'commands' }, 'redis connection error');
  };

  constructor(options: RedisBackendOptions = {}) {
    assertKnownKeys(options, OPTION_KEYS, 'options');
    const namespace = options.namespace ?? 'wrkr';
    if (!NAMESPACE.test(namespace)) {
      throw new ValidationError('options.namespace', `${JSON.stringify(namespace)} must be 1–100 letters, digits, '_', '.', ':' or '-'`);
    }
    if (options.redis?.keyPrefix || options.client?.options.keyPrefix) {
      throw new ValidationError('options.redis.keyPrefix', 'not supported (scripts derive keys themselves); use options.namespace');
    }
    const watchdogMs = options.watchdogMs ?? 5000;
    assertInt(watchdogMs, 'options.watchdogMs', 100);
    this.namespace = namespace;
    this.watchdogMs = watchdogMs;
    this.keys = new Keys(namespace);
    this.log = (options.logger ?? silentLogger()).child({ backend: 'redis', namespace });
    // No auto-pipelining: acks are batched here already, and ioredis copies every defined script onto
    // each auto-pipeline it creates, which costs more than it saves.
    const own: RedisOptions = {
      lazyConnect: true,
      ...options.redis,
    };
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = options.url ? new Redis(options.url, { connectionName: `wrkr:${namespace}:cmd`, ...own }) : new Redis({ connectionName: `wrkr:${namespace}:cmd`, ...own });
      this.ownsClient = true;
    }
    this.sub = isCluster(this.client)
      ? this.client.duplicate(undefined, { lazyConnect: true })
      : this.client.duplicate({ connectionName: `wrkr:${namespace}:wake`, lazyConnect: true, enableAutoPipelining: false });
    this.target = options.url !== undefined ? maskUrl(options.url) : isCluster(this.client) ? 'redis cluster' : `${this.client.options.host ?? '127.0.0.1'}:${this.client.options.port ?? 6379}`;
    this.client.on('error', this.onClientError);
    this.sub.on('error', (err: Error) => this.log.warn({ err: errorInfo(err), role: 'wake-ups' }, 'redis connection error'));
    this.sub.on('reconnecting', () => this.log.debug({ role: 'wake-ups' }, 'redis reconnecting'));
    this.hub = new WakeHub(this.sub, this.keys.wakeChannel, this.log, watchdogMs);
  }

  /** @inheritdoc */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('redis backend'));
    this.starting ??= this.connect().catch((err: unknown) => {
      this.starting = undefined;
      throw this.wrap(`start on ${this.target}`, this.lastConnectionError ?? err);
    });
    return this.starting;
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    this.sub.disconnect();
    this.client.off('error', this.onClientError);
    if (!this.ownsClient) return;
    // A client that never connected (lazyConnect, start() not called) has nothing to say goodbye to.
    if (this.client.status === 'wait') this.client.disconnect();
    else await this.client.quit().catch(() => this.client.disconnect());
  }

  /** @inheritdoc */
  async bind(queue: string, pattern: string): Promise<void> {
    assertQueueName(queue);
    assertPattern(pattern);
    await this.run('bind', [queue, pattern]);
  }

  /** @inheritdoc */
  async unbind(queue: string, pattern: string): Promise<void> {
    assertQueueName(queue);
    assertPattern(pattern);
    await this.run('unbind', [queue, pattern]);
  }

  /** @inheritdoc */
  async bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    if (queue !== undefined) assertQueueName(queue);
    const flat = (await this.run('bindings', [queue ?? ''])) as string[];
    const out: Array<{ queue: string; pattern: string }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ queue: flat[i]!, pattern: flat[i + 1]! });
    return out.sort((a, b) => (a.queue === b.queue ? cmp(a.pattern, b.pattern) : cmp(a.queue, b.queue)));
  }

  /** @inheritdoc */
  async queues(): Promise<string[]> {
    this.assertOpen();
    try {
      return (await this.client.smembers(this.keys.anchor)).sort(cmp);
    } catch (err) {
      throw this.wrap('queues', err);
    }
  }

  /** @inheritdoc */
  async deleteQueue(queue: string): Promise<void> {
    assertQueueName(queue);
    await this.run('delete_queue', [queue]);
  }

  /** @inheritdoc */
  async publish(items: readonly Outgoing[]): Promise<void> {
    if (!isList(items)) throw new ValidationError('items', 'must be an array');
    if (items.length === 0) return;
    const now = Date.now();
    const args: Array<string | number> = [now];
    for (const [i, item] of items.entries()) {
      const due = checkOutgoing(item, `items[${i}]`);
      args.push(item.message.id, item.message.name, due, encodeMessage(item.message));
    }
    await this.run('publish', args);
  }

  /** @inheritdoc */
  async send(queue: string, items: readonly Outgoing[]): Promise<void> {
    assertQueueName(queue);
    if (!isList(items)) throw new ValidationError('items', 'must be an array');
    if (items.length === 0) return;
    const now = Date.now();
    const args: Array<string | number> = [now, queue];
    for (const [i, item] of items.entries()) {
      const due = checkOutgoing(item, `items[${i}]`);
      args.push(item.message.id, due, encodeMessage(item.message));
    }
    await this.run('send', args);
  }

  /** @inheritdoc */
  async cancel(id: string): Promise<boolean> {
    assertId(id);
    return ((await this.run('cancel', [id])) as number) > 0;
  }

  /** @inheritdoc */
  async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    assertQueueName(queue);
    assertInt(options?.max, 'options.max', 1, MAX_CLAIM);
    assertInt(options.leaseMs, 'options.leaseMs', 1);
    assertInt(options.waitMs, 'options.waitMs', 0);
    this.assertOpen();
    const deadline = Date.now() + options.waitMs;
    const { signal } = options;
    for (;;) {
      if (this.closed) return [];
      // Registered before the script runs, so work announced while it runs still wakes this claim.
      const ticket = options.waitMs > 0 ? this.hub.ticket(queue) : undefined;
      try {
        const { deliveries, nextCheck } = await this.claimOnce(queue, options.max, options.leaseMs);
        const now = Date.now();
        if (deliveries.length > 0 || !ticket || now >= deadline || signal?.aborted || this.closed) return deliveries;
        if (ticket.woken) continue;
        const until = Math.min(deadline, nextCheck >= 0 ? nextCheck : Infinity, now + this.watchdogMs);
        await ticket.wait(until, signal);
        if (signal?.aborted || this.closed) return [];
      } finally {
        ticket?.release();
      }
    }
  }

  /** @inheritdoc */
  async ack(ref: LeaseRef): Promise<boolean> {
    checkRef(ref);
    this.assertOpen();
    if (!this.starting) throw new NotStartedError();
    await this.starting;
    return this.acks.ack({ queue: ref.queue, id: ref.id, token: ref.token });
  }

  /** @inheritdoc */
  async nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    checkRef(ref);
    const now = Date.now();
    let args: Array<string | number>;
    switch (outcome?.kind) {
      case 'retry':
        if (typeof outcome.dueAt !== 'number' || !Number.isFinite(outcome.dueAt)) throw new ValidationError('outcome.dueAt', 'must be epoch ms');
        args = [now, 'retry', Math.round(outcome.dueAt), encodeFailure(outcome.error)];
        break;
      case 'release':
        args = [now, 'release', 0, ''];
        break;
      case 'fail':
        if (typeof outcome.error?.message !== 'string') throw new ValidationError('outcome.error', 'must have a message');
        args = [now, 'fail', 0, encodeFailure(outcome.error)];
        break;
      default:
        throw new ValidationError('outcome.kind', "must be 'retry', 'release' or 'fail'");
    }
    return (await this.run('nack', [ref.queue, ref.id, ref.token, ...args])) === 1;
  }

  /** @inheritdoc */
  async extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    checkRef(ref);
    assertInt(leaseMs, 'leaseMs', 1);
    return (await this.run('extend', [ref.queue, ref.id, ref.token, Date.now() + leaseMs])) === 1;
  }

  /** @inheritdoc */
  async stats(queue: string): Promise<QueueStats> {
    assertQueueName(queue);
    const [ready, delayed, inFlight, failed] = (await this.run('stats', [Date.now(), queue, PROMOTE_LIMIT])) as number[];
    return { ready: ready!, delayed: delayed!, inFlight: inFlight!, failed: failed! };
  }

  /** @inheritdoc */
  async failed(queue: string, options: ListOptions = {}): Promise<FailedItem[]> {
    assertQueueName(queue);
    assertKnownKeys(options, ['limit', 'offset'], 'options');
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 100;
    assertInt(offset, 'options.offset', 0);
    assertInt(limit, 'options.limit', 1);
    const flat = (await this.run('failed', [queue, offset, limit])) as string[];
    const out: FailedItem[] = [];
    for (let i = 0; i < flat.length; i += 3) out.push(decodeFailed(queue, flat[i]!, flat[i + 1]!, flat[i + 2]!));
    return out;
  }

  /** @inheritdoc */
  async replay(queue: string, ids?: readonly string[]): Promise<number> {
    assertQueueName(queue);
    if (ids !== undefined) {
      checkIds(ids);
      if (ids.length === 0) return 0;
    }
    return (await this.run('replay', [queue, ...(ids ?? [])])) as number;
  }

  /** @inheritdoc */
  async purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    assertQueueName(queue);
    if (ids !== undefined) {
      checkIds(ids);
      if (ids.length === 0) return 0;
    }
    return (await this.run('purge_failed', [queue, ...(ids ?? [])])) as number;
  }

  /** @inheritdoc */
  async upsertSchedule(record: ScheduleRecord): Promise<void> {
    checkSchedule(record);
    const key = this.keys.schedule(record.name);
    await this.exec('upsertSchedule', (m) => m.del(key).hset(key, encodeSchedule(record)).sadd(this.keys.schedules, record.name));
  }

  /** @inheritdoc */
  async removeSchedule(name: string): Promise<boolean> {
    assertId(name, 'name');
    const [deleted] = (await this.exec('removeSchedule', (m) => m.del(this.keys.schedule(name)).srem(this.keys.schedules, name))) as number[];
    return deleted === 1;
  }

  /** @inheritdoc */
  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    assertId(name, 'name');
    this.assertOpen();
    try {
      return decodeSchedule(name, await this.client.hgetall(this.keys.schedule(name)));
    } catch (err) {
      throw this.wrap('getSchedule', err);
    }
  }

  /** @inheritdoc */
  async listSchedules(): Promise<ScheduleRecord[]> {
    this.assertOpen();
    try {
      const names = (await this.client.smembers(this.keys.schedules)).sort(cmp);
      const all = await Promise.all(names.map(async (n) => decodeSchedule(n, await this.client.hgetall(this.keys.schedule(n)))));
      return all.filter((r): r is ScheduleRecord => r !== undefined);
    } catch (err) {
      throw this.wrap('listSchedules', err);
    }
  }

  /** @inheritdoc */
  async fireSchedule(
    name: string,
    expected: { readonly runAt: number; readonly updatedAt: number },
    nextRunAt: number,
    message: Message,
  ): Promise<boolean> {
    assertId(name, 'name');
    assertInt(expected?.runAt, 'expected.runAt', 0);
    assertInt(expected.updatedAt, 'expected.updatedAt', 0);
    assertInt(nextRunAt, 'nextRunAt', 0);
    checkOutgoing({ message }, 'message');
    const args = [Date.now(), name, String(expected.runAt), String(expected.updatedAt), String(nextRunAt), message.id, message.name, encodeMessage(message)];
    return (await this.run('fire_schedule', args)) === 1;
  }

  /** @inheritdoc */
  async registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    assertId(id);
    assertId(instance, 'instance');
    assertInt(ttlMs, 'ttlMs', 1);
    return (await this.run('register_worker', [Date.now(), id, instance, ttlMs, JSON.stringify(meta ?? {}), 'register'])) === 1;
  }

  /** @inheritdoc */
  async heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    assertId(id);
    assertId(instance, 'instance');
    assertInt(ttlMs, 'ttlMs', 1);
    return (await this.run('register_worker', [Date.now(), id, instance, ttlMs, meta === undefined ? '' : JSON.stringify(meta), 'heartbeat'])) === 1;
  }

  /** @inheritdoc */
  async unregisterWorker(id: string, instance: string): Promise<void> {
    assertId(id);
    assertId(instance, 'instance');
    await this.run('unregister_worker', [id, instance]);
  }

  /** @inheritdoc */
  async workers(): Promise<WorkerInfo[]> {
    const flat = (await this.run('workers', [Date.now()])) as Array<string | null>;
    const out: WorkerInfo[] = [];
    for (let i = 0; i < flat.length; i += 5) {
      if (flat[i + 4] === null) continue;
      out.push(decodeWorker(flat[i]!, flat[i + 1]!, flat[i + 2]!, flat[i + 3]!, flat[i + 4]!));
    }
    return out.sort((a, b) => cmp(a.id, b.id));
  }

  private async connect(): Promise<void> {
    this.lastConnectionError = undefined;
    defineScripts(this.client);
    // A failed start leaves ioredis reconnecting on its own; a later start() then only waits for it.
    if (this.client.status === 'wait') await this.client.connect();
    if (this.sub.status === 'wait') await this.sub.connect();
    await this.hub.start();
  }

  private async claimOnce(queue: string, max: number, leaseMs: number): Promise<{ deliveries: Delivery[]; nextCheck: number }> {
    const leaseUntil = Date.now() + leaseMs;
    // Unique per claim without asking the CSPRNG each time: a random per-client base plus a counter.
    const prefix = `${this.tokenBase}${(++this.claimSeq).toString(36)}.`;
    const out = (await this.run('claim', [Date.now(), queue, max, leaseUntil, prefix, PROMOTE_LIMIT])) as Array<string | number>;
    const deliveries: Delivery[] = [];
    for (let i = 1; i < out.length; i += 4) {
      deliveries.push({
        queue,
        message: decodeMessage(out[i] as string, out[i + 3] as string),
        token: out[i + 1] as string,
        attempt: out[i + 2] as number,
        leaseUntil,
      });
    }
    return { deliveries, nextCheck: out[0] as number };
  }

  private async run(script: ScriptName, args: ReadonlyArray<string | number>): Promise<unknown> {
    this.assertOpen();
    if (!this.starting) throw new NotStartedError();
    await this.starting;
    try {
      return await runScript(this.client, script, this.keys.anchor, [this.keys.prefix, ...args]);
    } catch (err) {
      throw this.wrap(script, err);
    }
  }

  private async exec(op: string, build: (m: ChainableCommander) => ChainableCommander): Promise<unknown[]> {
    this.assertOpen();
    try {
      const replies = await build(this.client.multi()).exec();
      if (!replies) throw new Error('transaction aborted');
      return replies.map(([err, value]) => {
        if (err) throw err;
        return value;
      });
    } catch (err) {
      throw this.wrap(op, err);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new ClosedError('redis backend');
  }

  private wrap(op: string, err: unknown): Error {
    if (isWrkrError(err)) return err;
    // Not `instanceof Error`: errors from node's own modules may come from another realm (jest, vm).
    const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as Error).message : String(err);
    return new BackendError(maskUrl(`redis ${op} failed: ${message}`), { cause: err });
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Returns the due time to store (0 = now) after checking what the scripts rely on.
function checkOutgoing(item: Outgoing, field: string): number {
  const m = item?.message;
  if (typeof m !== 'object' || m === null) throw new ValidationError(`${field}.message`, 'must be an object');
  assertId(m.id, `${field}.message.id`);
  assertEventName(m.name, `${field}.message.name`);
  if (typeof m.publishedAt !== 'number' || !Number.isFinite(m.publishedAt)) throw new ValidationError(`${field}.message.publishedAt`, 'must be epoch ms');
  if (m.body !== undefined && typeof m.body !== 'string') throw new ValidationError(`${field}.message.body`, 'must be a string');
  if (item.dueAt === undefined) return 0;
  if (typeof item.dueAt !== 'number' || !Number.isFinite(item.dueAt)) throw new ValidationError(`${field}.dueAt`, 'must be epoch ms');
  return Math.round(item.dueAt);
}

function checkRef(ref: LeaseRef): void {
  if (typeof ref !== 'object' || ref === null) throw new ValidationError('ref', 'must be a lease reference');
  assertQueueName(ref.queue, 'ref.queue');
  assertId(ref.id, 'ref.id');
  if (typeof ref.token !== 'string' || ref.token === '') throw new ValidationError('ref.token', 'must be a non-empty string');
}

function checkIds(ids: readonly string[]): void {
  if (!isList(ids)) throw new ValidationError('ids', 'must be an array');
  ids.forEach((id, i) => assertId(id, `ids[${i}]`));
}

function checkSchedule(record: ScheduleRecord): void {
  if (typeof record !== 'object' || record === null) throw new ValidationError('record', 'must be an object');
  assertId(record.name, 'record.name');
  assertEventName(record.event?.name, 'record.event.name');
  assertInt(record.nextRunAt, 'record.nextRunAt', 0);
  assertInt(record.updatedAt, 'record.updatedAt', 0);
  if (record.lastRunAt !== undefined) assertInt(record.lastRunAt, 'record.lastRunAt', 0);
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

// Deliberately not a type guard: callers keep their element types.
function isList(value: unknown): boolean {
  return Array.isArray(value);
}
