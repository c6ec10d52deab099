import { randomBytes } from 'node:crypto';
import { Redis, type ChainableCommander, type Cluster, type RedisOptions } from 'ioredis';
import {
  BackendError,
  BaseBackend,
  ClosedError,
  NotStartedError,
  ValidationError,
  assertInt,
  assertKnownKeys,
  isWrkrError,
  maskUrl,
  silentLogger,
  type AbortRequest,
  ALL_CAPABILITIES,
  type BackendCapabilities,
  type ClaimOptions,
  type Delivery,
  type FailedItem,
  type JobListOptions,
  type JobRecord,
  type KeepCompleted,
  type KeyOutcome,
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
import { decodeFailed, decodeMessage, decodeSchedule, decodeWorker, encodeFailure, encodeMessage, encodeSchedule, keyOutcomes } from './codec';
import { AckBatcher } from './ack-batcher';
import { LifecycleChannels } from './lifecycle-channels';
import { LifecycleSender } from './lifecycle-sender';
import { decodeJob, decodeJobs, decodePending } from './inspect';
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

/**
 * wrkr backend on Redis through ioredis. Every multi-step change is one Lua script (see `src/scripts`);
 * idle claims wait on pub/sub wake-ups and precise local timers, never by polling.
 */
export class RedisBackend extends BaseBackend {
  /** @inheritdoc */
  readonly name = 'redis';
  /** @inheritdoc */
  readonly capabilities: BackendCapabilities = ALL_CAPABILITIES;
  /** The namespace every key lives under. */
  readonly namespace: string;

  private readonly keys: Keys;
  private readonly log: Logger;
  private readonly client: Redis | Cluster;
  private readonly ownsClient: boolean;
  private readonly sub: Redis | Cluster;
  private readonly hub: WakeHub;
  private readonly lifecycle: LifecycleChannels;
  private readonly lifecycleSender: LifecycleSender;
  private readonly watchdogMs: number;
  private readonly acks = new AckBatcher(async (acks) => {
    // Grouped by queue (almost always one), three arguments an ack: the script's work per argument and
    // ioredis's per argument are most of an ack's cost.
    const byQueue = new Map<string, number[]>();
    acks.forEach(({ ref }, k) => {
      const slots = byQueue.get(ref.queue);
      if (slots === undefined) byQueue.set(ref.queue, [k]);
      else slots.push(k);
    });
    const args: Array<string | number> = [this.keys.prefix, Date.now()];
    const order: number[] = [];
    for (const [queue, slots] of byQueue) {
      args.push(queue, slots.length);
      for (const k of slots) {
        const { ref, keep } = acks[k]!;
        args.push(ref.id, ref.token, keep === undefined ? '' : `${keep.count}|${keep.ageMs}|${keep.result ?? ''}`);
        order.push(k);
      }
    }
    // Not `run`: acks issued just before close() still go out ahead of the QUIT.
    let replies: number[];
    try {
      replies = (await runScript(this.client, 'ack', this.keys.anchor, args)) as number[];
    } catch (err) {
      throw this.wrap('ack', err);
    }
    const results = new Array<number>(acks.length);
    order.forEach((k, i) => (results[k] = replies[i]!));
    return results;
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
    super();
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
    this.lifecycle = new LifecycleChannels(this.sub, this.keys.prefix, this.log);
    this.lifecycleSender = new LifecycleSender((args) => this.run('lifecycle', args), !isCluster(this.client), this.log);
  }

  /** @inheritdoc */
  protected _start(): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('redis backend'));
    this.starting ??= this.connect().catch((err: unknown) => {
      this.starting = undefined;
      throw this.wrap(`start on ${this.target}`, this.lastConnectionError ?? err);
    });
    return this.starting;
  }

  /** @inheritdoc */
  protected async _close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.close();
    this.lifecycle.clear();
    this.sub.disconnect();
    this.client.off('error', this.onClientError);
    if (!this.ownsClient) return;
    // A client that never connected (lazyConnect, start() not called) has nothing to say goodbye to.
    if (this.client.status === 'wait') this.client.disconnect();
    else await this.client.quit().catch(() => this.client.disconnect());
  }

  /** @inheritdoc */
  protected async _bind(queue: string, pattern: string): Promise<void> {
    await this.run('bind', [queue, pattern]);
  }

  /** @inheritdoc */
  protected async _unbind(queue: string, pattern: string): Promise<void> {
    await this.run('unbind', [queue, pattern]);
  }

  /** @inheritdoc */
  protected async _bindings(queue?: string): Promise<Array<{ queue: string; pattern: string }>> {
    const flat = (await this.run('bindings', [queue ?? ''])) as string[];
    const out: Array<{ queue: string; pattern: string }> = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ queue: flat[i]!, pattern: flat[i + 1]! });
    return out.sort((a, b) => (a.queue === b.queue ? cmp(a.pattern, b.pattern) : cmp(a.queue, b.queue)));
  }

  /** @inheritdoc */
  protected async _queues(): Promise<string[]> {
    this.assertOpen();
    try {
      return (await this.client.smembers(this.keys.anchor)).sort(cmp);
    } catch (err) {
      throw this.wrap('queues', err);
    }
  }

  /** @inheritdoc */
  protected async _deleteQueue(queue: string): Promise<void> {
    await this.run('delete_queue', [queue]);
  }

  /** @inheritdoc */
  protected async _publish(items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    if (items.length === 0) return [];
    const now = Date.now();
    const args: Array<string | number> = [now];
    for (const item of items) {
      args.push(item.message.id, item.message.name, item.dueAt ?? 0, item.priority ?? 0, encodeMessage(item.message), item.key ?? '', item.keyMode ?? '', item.keyTtlMs ?? 0);
    }
    return keyOutcomes(await this.run('publish', args));
  }

  /** @inheritdoc */
  protected async _send(queue: string, items: readonly Outgoing[]): Promise<KeyOutcome[]> {
    if (items.length === 0) return [];
    const now = Date.now();
    const args: Array<string | number> = [now, queue];
    for (const item of items) args.push(item.message.id, item.dueAt ?? 0, item.priority ?? 0, encodeMessage(item.message), item.key ?? '', item.keyMode ?? '', item.keyTtlMs ?? 0);
    return keyOutcomes(await this.run('send', args));
  }

  /** @inheritdoc */
  protected async _cancel(id: string): Promise<boolean> {
    return ((await this.run('cancel', [id])) as number) > 0;
  }

  /** @inheritdoc */
  protected async _claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
    this.assertOpen();
    const deadline = Date.now() + options.waitMs;
    const { signal } = options;
    for (;;) {
      if (this.closed) return [];
      // Registered before the script runs, so work announced while it runs still wakes this claim.
      const ticket = options.waitMs > 0 ? this.hub.ticket(queue) : undefined;
      try {
        const { deliveries, nextCheck } = await this.claimOnce(queue, options.max, options.leaseMs, options.holder);
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
  protected async _ack(ref: LeaseRef, keep?: KeepCompleted): Promise<boolean> {
    this.assertOpen();
    if (!this.starting) throw new NotStartedError();
    await this.starting;
    return this.acks.ack({ queue: ref.queue, id: ref.id, token: ref.token }, keep);
  }

  /** @inheritdoc */
  protected async _nack(ref: LeaseRef, outcome: NackOutcome): Promise<boolean> {
    const now = Date.now();
    let args: Array<string | number>;
    switch (outcome.kind) {
      case 'retry':
        args = [now, 'retry', outcome.dueAt, encodeFailure(outcome.error)];
        break;
      case 'release':
        args = [now, 'release', 0, ''];
        break;
      case 'fail':
        args = [now, 'fail', 0, encodeFailure(outcome.error)];
        break;
    }
    return (await this.run('nack', [ref.queue, ref.id, ref.token, ...args])) === 1;
  }

  /** @inheritdoc */
  protected async _extend(ref: LeaseRef, leaseMs: number): Promise<boolean> {
    return (await this.run('extend', [ref.queue, ref.id, ref.token, Date.now() + leaseMs])) === 1;
  }

  /** @inheritdoc */
  protected async _heldBy(queue: string, holder: string): Promise<LeaseRef | undefined> {
    const [id, token] = (await this.run('held_by', [Date.now(), queue, holder])) as string[];
    return id === undefined || token === undefined ? undefined : { queue, id, token };
  }

  /** @inheritdoc */
  protected async _stats(queue: string): Promise<QueueStats> {
    const [ready, delayed, inFlight, failed, paused] = (await this.run('stats', [Date.now(), queue, PROMOTE_LIMIT])) as number[];
    return { ready: ready!, delayed: delayed!, inFlight: inFlight!, failed: failed!, ...(paused === 1 && { paused: true }) };
  }

  /** @inheritdoc */
  protected async _job(queue: string, id: string): Promise<JobRecord | undefined> {
    return decodeJob(queue, id, (await this.run('job', [queue, id, Date.now()])) as string[]);
  }

  /** @inheritdoc */
  protected async _jobs(queue: string, options: JobListOptions): Promise<JobRecord[]> {
    return decodeJobs(queue, (await this.run('jobs', [queue, options.state, options.offset, options.limit, Date.now()])) as string[]);
  }

  /** @inheritdoc */
  protected async _pending(options: Required<ListOptions>): Promise<PendingPublish[]> {
    return decodePending((await this.run('pending', [Date.now(), options.offset, options.limit, PROMOTE_LIMIT])) as string[]);
  }

  /** @inheritdoc */
  protected async _failed(queue: string, options: ListOptions = {}): Promise<FailedItem[]> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 100;
    // The script reads offset..offset+limit-1, which for limit 0 would be the whole list.
    if (limit === 0) return [];
    const flat = (await this.run('failed', [queue, offset, limit])) as string[];
    const out: FailedItem[] = [];
    for (let i = 0; i < flat.length; i += 3) out.push(decodeFailed(queue, flat[i]!, flat[i + 1]!, flat[i + 2]!));
    return out;
  }

  /** @inheritdoc */
  protected async _replay(queue: string, ids?: readonly string[]): Promise<number> {
    if (ids?.length === 0) return 0;
    return (await this.run('replay', [queue, ...(ids ?? [])])) as number;
  }

  /** @inheritdoc */
  protected async _purgeFailed(queue: string, ids?: readonly string[]): Promise<number> {
    if (ids?.length === 0) return 0;
    return (await this.run('purge_failed', [queue, ...(ids ?? [])])) as number;
  }

  /** @inheritdoc */
  protected async _upsertSchedule(record: ScheduleRecord): Promise<void> {
    const key = this.keys.schedule(record.name);
    await this.exec('upsertSchedule', (m) => m.del(key).hset(key, encodeSchedule(record)).sadd(this.keys.schedules, record.name));
  }

  /** @inheritdoc */
  protected async _removeSchedule(name: string): Promise<boolean> {
    const [deleted] = (await this.exec('removeSchedule', (m) => m.del(this.keys.schedule(name)).srem(this.keys.schedules, name))) as number[];
    return deleted === 1;
  }

  /** @inheritdoc */
  protected async _getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    this.assertOpen();
    try {
      return decodeSchedule(name, await this.client.hgetall(this.keys.schedule(name)));
    } catch (err) {
      throw this.wrap('getSchedule', err);
    }
  }

  /** @inheritdoc */
  protected async _listSchedules(): Promise<ScheduleRecord[]> {
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
  protected async _fireSchedule(
    name: string,
    expected: { readonly runAt: number; readonly updatedAt: number },
    nextRunAt: number,
    message: Message,
  ): Promise<boolean> {
    const args = [Date.now(), name, String(expected.runAt), String(expected.updatedAt), String(nextRunAt), message.id, message.name, encodeMessage(message)];
    return (await this.run('fire_schedule', args)) === 1;
  }

  /** @inheritdoc */
  protected async _registerWorker(id: string, instance: string, meta: Record<string, unknown>, ttlMs: number): Promise<boolean> {
    return (await this.run('register_worker', [Date.now(), id, instance, ttlMs, JSON.stringify(meta), 'register'])) === 1;
  }

  /** @inheritdoc */
  protected async _heartbeat(id: string, instance: string, ttlMs: number, meta?: Record<string, unknown>): Promise<boolean> {
    return (await this.run('register_worker', [Date.now(), id, instance, ttlMs, meta === undefined ? '' : JSON.stringify(meta), 'heartbeat'])) === 1;
  }

  /** @inheritdoc */
  protected async _unregisterWorker(id: string, instance: string): Promise<void> {
    await this.run('unregister_worker', [id, instance]);
  }

  /** @inheritdoc */
  protected async _workers(): Promise<WorkerInfo[]> {
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

  /** @inheritdoc */
  protected async _pause(queue: string): Promise<void> {
    await this.run('pause', [queue]);
  }

  /** @inheritdoc */
  protected async _resume(queue: string): Promise<void> {
    await this.run('resume', [queue]);
  }

  /** @inheritdoc */
  protected async _setQueueLimits(queue: string, limits: QueueLimits): Promise<void> {
    const { group } = limits;
    await this.run('set_limits', [
      queue, limits.concurrency ?? '', limits.rate?.max ?? '', limits.rate?.per ?? '',
      group?.by ?? '', group?.concurrency ?? '', group?.rate?.max ?? '', group?.rate?.per ?? '',
    ]);
  }

  /** @inheritdoc */
  protected async _queueLimits(queue: string): Promise<QueueLimits> {
    this.assertOpen();
    let stored: Record<string, string>;
    try {
      stored = await this.client.hgetall(this.keys.limits(queue));
    } catch (err) {
      throw this.wrap('queueLimits', err);
    }
    return {
      ...(stored.concurrency !== undefined && { concurrency: Number(stored.concurrency) }),
      ...(stored.rate_max !== undefined && { rate: { max: Number(stored.rate_max), per: Number(stored.rate_per) } }),
      ...(stored.group_by !== undefined && {
        group: {
          by: stored.group_by,
          ...(stored.group_concurrency !== undefined && { concurrency: Number(stored.group_concurrency) }),
          ...(stored.group_rate_max !== undefined && { rate: { max: Number(stored.group_rate_max), per: Number(stored.group_rate_per) } }),
        },
      }),
    };
  }

  /** @inheritdoc */
  protected async _abort(queue: string, id: string, request: AbortRequest): Promise<boolean> {
    return (await this.run('abort', [Date.now(), queue, id, JSON.stringify(request)])) === 1;
  }

  /** @inheritdoc */
  protected async _abortRequests(refs: readonly LeaseRef[]): Promise<Array<AbortRequest | undefined>> {
    if (refs.length === 0) return [];
    const found = (await this.run('abort_requests', refs.flatMap((r) => [r.queue, r.id, r.token]))) as string[];
    return found.map((json) => (json === '' ? undefined : (JSON.parse(json) as AbortRequest)));
  }

  /** @inheritdoc */
  protected async _setProgress(ref: LeaseRef, value: string): Promise<boolean> {
    return (await this.run('set_progress', [Date.now(), ref.queue, ref.id, ref.token, value])) === 1;
  }

  /** @inheritdoc */
  protected async _progress(queue: string, id: string): Promise<string | undefined> {
    const text = (await this.run('progress', [Date.now(), queue, id])) as string;
    return text === '' ? undefined : text;
  }

  /** @inheritdoc */
  protected async _publishLifecycle(events: readonly LifecycleEvent[]): Promise<void> {
    await this.lifecycleSender.send(events);
  }

  /** @inheritdoc */
  protected async _watchLifecycle(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    this.assertOpen();
    if (!this.starting) throw new NotStartedError();
    await this.starting;
    try {
      return await this.lifecycle.watch(queue, listener);
    } catch (err) {
      throw this.wrap('watchLifecycle', err);
    }
  }

  /** @inheritdoc */
  protected async _counters(queue: string): Promise<QueueCounters> {
    this.assertOpen();
    let fields: Array<string | null>;
    try {
      fields = await this.client.hmget(`${this.keys.prefix}q:${queue}:counts`, 'completed', 'failed', 'retried', 'since');
    } catch (err) {
      throw this.wrap('counters', err);
    }
    const [completed, failed, retried, since] = fields;
    return { completed: Number(completed ?? 0), failed: Number(failed ?? 0), retried: Number(retried ?? 0), ...(since != null && { since: Number(since) }) };
  }

  private async claimOnce(queue: string, max: number, leaseMs: number, holder = ''): Promise<{ deliveries: Delivery[]; nextCheck: number }> {
    const leaseUntil = Date.now() + leaseMs;
    // Unique per claim without asking the CSPRNG each time: a random per-client base plus a counter.
    const prefix = `${this.tokenBase}${(++this.claimSeq).toString(36)}.`;
    const out = (await this.run('claim', [Date.now(), queue, max, leaseUntil, prefix, PROMOTE_LIMIT, holder])) as Array<string | number>;
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

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}
