import type { EventEmitter } from 'node:events';
import type { Backend, Delivery, KeepCompleted, LeaseRef } from './contract';
import { toEvent, type Codec } from './codec';
import { AbortWatcher } from './abort-watcher';
import { AbortedError, StaleLeaseError, TimeoutError, ValidationError, WrkrError } from './errors';
import type { WrkrEvent } from './event';
import { DeliveryContext } from './delivery-context';
import type { Handler, HandlerContext } from './handler';
import { resultText } from './keep-completed';
import { LazyAbort } from './lazy-abort';
import { lifecycleResult, type LifecyclePublisher } from './lifecycle-publisher';
import { LeaseRenewer } from './lease-renewer';
import { ProgressWriter } from './progress-writer';
import type { Logger } from './logger';
import type { RetryPolicy } from './retry-policy';
import { traceConsume, type MarkFailed } from './tracing';
import { toFailureInfo } from './wrkr-events';

/** Settings of one consumer, already validated. */
export interface ConsumerSettings {
  readonly queue: string;
  readonly concurrency: number;
  readonly leaseMs: number;
  readonly timeoutMs?: number;
  readonly retry: RetryPolicy;
  /** Fail an event without data at once instead of handing it to the handler. */
  readonly requireData?: boolean;
  /** Extra fields of the delivery's log lines. */
  readonly logBindings?: (event: WrkrEvent) => Record<string, unknown>;
  /** Keep completed items (with the handler's result) within this retention instead of deleting them. */
  readonly keepCompleted?: Omit<KeepCompleted, 'result'>;
}

/** Called after a handler's final outcome, before the item is acked or failed (request/reply hooks in here). */
export type OutcomeHook = (event: WrkrEvent, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }) => Promise<void>;

// Long waits keep an idle consumer to one backend call per interval; the abort signal cuts them short.
const CLAIM_WAIT_MS = 10_000;
const MAX_ERROR_BACKOFF_MS = 5_000;

/**
 * The loop behind one subscription: claims as many items as it has free slots, runs the handler under a
 * renewed lease, then acks, retries (with the policy's backoff) or fails each item.
 */
export class Consumer {
  private readonly active = new Map<string, { ref: LeaseRef; abort: LazyAbort; done: Promise<void> }>();
  private readonly claimAbort = new AbortController();
  private slotFreed?: () => void;
  // Handlers running now; an item whose handler finished may still be settling (ack in flight), which
  // keeps it in `active` for stop() but frees its slot, so the next claim overlaps the ack.
  private running = 0;
  private loop?: Promise<void>;
  private stopping = false;
  private readonly renewer: LeaseRenewer;
  private readonly aborts?: AbortWatcher;

  constructor(
    private readonly backend: Backend,
    private readonly codec: Codec,
    private readonly settings: ConsumerSettings,
    private readonly handler: Handler,
    private readonly log: Logger,
    private readonly events: EventEmitter,
    private readonly lifecycle: LifecyclePublisher,
    private readonly onOutcome?: OutcomeHook,
  ) {
    this.renewer = new LeaseRenewer(backend, settings.leaseMs);
    if (backend.capabilities.abort) this.aborts = new AbortWatcher(backend, log);
  }

  /** Begin claiming. */
  start(): void {
    this.loop = this.run();
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.active.size;
  }

  /**
   * Stop claiming, wait up to `timeoutMs` for running handlers, then abort the rest and release their
   * items so another consumer takes them at once.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.claimAbort.abort();
    this.slotFreed?.();
    await this.loop;
    const drained = Promise.all([...this.active.values()].map((a) => a.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
    const left = [...this.active.values()];
    this.log.warn({ inFlight: left.length }, 'stop timed out; aborting handlers and releasing their items');
    for (const a of left) a.abort.abort(new TimeoutError('stop', timeoutMs));
    await Promise.all(left.map(async (a) => this.backend.nack(a.ref, { kind: 'release' }).catch((err: unknown) => this.log.warn({ err }, 'release failed; the lease will expire'))));
    this.active.clear();
  }

  private async run(): Promise<void> {
    let errorDelay = 50;
    while (!this.stopping) {
      const free = this.settings.concurrency - this.running;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        // Let the handlers finishing in this same turn free their slots too, so one claim fills them all.
        if (this.settings.concurrency > 1) await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      let deliveries: Delivery[];
      try {
        deliveries = await this.backend.claim(this.settings.queue, {
          max: free,
          leaseMs: this.settings.leaseMs,
          waitMs: CLAIM_WAIT_MS,
          signal: this.claimAbort.signal,
        });
        errorDelay = 50;
      } catch (err) {
        if (this.stopping) break;
        this.log.error({ err }, 'claim failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, errorDelay));
        errorDelay = Math.min(errorDelay * 2, MAX_ERROR_BACKOFF_MS);
        continue;
      }
      if (this.stopping) {
        // Claimed while stopping: hand them straight back rather than start work we were told to stop.
        await Promise.all(deliveries.map((d) => this.backend.nack(ref(d), { kind: 'release' }).catch(() => undefined)));
        break;
      }
      for (const d of deliveries) this.dispatch(d);
    }
  }

  private dispatch(d: Delivery): void {
    const abort = new LazyAbort();
    const lref = ref(d);
    const entry = { ref: lref, abort, done: Promise.resolve() };
    this.active.set(d.token, entry);
    this.running++;
    let slotHeld = true;
    const freeSlot = (): void => {
      if (!slotHeld) return;
      slotHeld = false;
      this.running--;
      this.slotFreed?.();
    };
    entry.done = traceConsume(this.backend.name, this.settings.queue, d, (mark) => this.process(d, lref, abort, freeSlot, mark)).finally(() => {
      this.active.delete(d.token);
      freeSlot();
    });
  }

  private async process(d: Delivery, lref: LeaseRef, abort: LazyAbort, handlerDone: () => void, mark: MarkFailed): Promise<void> {
    const { queue } = this.settings;
    let childLog: Logger | undefined;
    let decoded: WrkrEvent | undefined;
    // A child logger per delivery is costly; most deliveries never log.
    const log = (): Logger => (childLog ??= this.log.child({ id: d.message.id, event: d.message.name, attempt: d.attempt, ...this.bindings(decoded) }));
    const started = Date.now();
    let event: WrkrEvent;
    try {
      event = decoded = toEvent(this.codec, d.message);
    } catch (err) {
      // An undecodable item can never succeed: fail it now instead of burning retries.
      log().error({ err }, 'cannot decode item; moving it to the failed store');
      await this.settle(lref, { kind: 'fail', error: toFailureInfo(err) }, log);
      return;
    }
    if (this.settings.requireData && event.data === undefined) {
      // Without its data the handler could never succeed either; a requester gets the reason at once.
      const error = new ValidationError('data', "is required by this subscription ({ data: 'required' })");
      await this.fail(event, d, started, lref, error, log, { err: error }, 'event without data; moving it to the failed store');
      return;
    }
    const lease = this.renewer.track(lref, log, (err) => abort.abort(err));
    const unwatch = this.aborts?.watch(lref, (r) => abort.abort(new AbortedError(queue, event.id, r.reason, r.fail === true)));
    const { progress: store, lifecycleEvents } = this.backend.capabilities;
    // Made when the handler first reports progress: most never do.
    const progressWriter = store || lifecycleEvents ? (): ProgressWriter => {
      const publish = lifecycleEvents ? (text: string): void => this.lifecycle.publish({ kind: 'progress', queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), progress: text }) : undefined;
      return new ProgressWriter(this.backend, lref, log, { store, ...(publish && { publish }) });
    } : undefined;
    // ctx.ack(): renewal stops first, so a renewal cannot find the token gone and abort the handler.
    let early: Promise<boolean> | undefined;
    // An early ack comes before the handler's result, so a kept item is kept without one.
    const ackNow = (): Promise<boolean> => (early ??= (lease.stop(), this.settle(lref, this.ackOutcome(undefined, log), log)));
    const ctx = new DeliveryContext(queue, d.attempt, event, abort, lease, log, this.events, ackNow, progressWriter);
    this.lifecycle.publish({ kind: 'active', queue, id: event.id, name: event.name, attempt: d.attempt, at: started });
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await this.invoke(event, ctx, abort) };
    } catch (error) {
      outcome = { ok: false, error };
      mark(error);
    } finally {
      lease.stop();
      unwatch?.();
      handlerDone();
    }
    await ctx.flushProgress();
    if (early !== undefined) {
      await this.afterEarlyAck(event, d, outcome, await early, started, log);
      return;
    }
    if (abort.aborted && abort.reason instanceof StaleLeaseError) return; // another consumer owns it now
    if (abort.aborted && this.stopping && !outcome.ok) return; // released by stop()

    if (abort.reason instanceof AbortedError && abort.reason.fail) {
      await this.fail(event, d, started, lref, abort.reason, log, { err: abort.reason }, 'handler aborted; moving it to the failed store');
      return;
    }
    if (outcome.ok) {
      await this.onOutcome?.(event, outcome);
      if (await this.settle(lref, this.ackOutcome(outcome.value, log), log)) {
        // The hottest line of a consumer: no event object for an instance nobody listens to.
        if (this.events.listenerCount('completed') > 0) this.events.emit('completed', { queue, id: event.id, name: event.name, attempt: d.attempt, ...timing(d, started) });
        this.lifecycle.publish({ kind: 'completed', queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), ...lifecycleResult(outcome.value) });
      }
      return;
    }
    const error = toFailureInfo(outcome.error);
    if (this.settings.retry.canRetry(d.attempt)) {
      const dueAt = Date.now() + this.settings.retry.delayAfter(d.attempt);
      log().warn({ err: outcome.error, ms: Date.now() - started, dueAt }, 'handler failed; will retry');
      if (await this.settle(lref, { kind: 'retry', dueAt, error }, log)) {
        this.events.emit('retrying', { queue, id: event.id, name: event.name, attempt: d.attempt, dueAt, ...timing(d, started), error });
        this.lifecycle.publish({ kind: 'retrying', queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), dueAt, error });
      }
      return;
    }
    await this.fail(event, d, started, lref, outcome.error, log, { err: outcome.error, ms: Date.now() - started }, 'handler failed; no attempts left, moving to the failed store');
  }

  /** The end of a handler that called ctx.ack(): the item is settled, so a failure is only logged. */
  private async afterEarlyAck(event: WrkrEvent, d: Delivery, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }, acked: boolean, started: number, log: () => Logger): Promise<void> {
    if (!outcome.ok) log().error({ err: outcome.error, ms: Date.now() - started }, 'handler failed after ctx.ack(); the item was acknowledged, so it is not retried');
    await this.onOutcome?.(event, outcome);
    if (!acked) return;
    const { queue } = this.settings;
    this.events.emit('completed', { queue, id: event.id, name: event.name, attempt: d.attempt, ...timing(d, started) });
    this.lifecycle.publish({ kind: 'completed', queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), ...(outcome.ok ? lifecycleResult(outcome.value) : {}) });
  }

  /** Log, reply to a requester, move the item to the failed store and emit `failed`. */
  private async fail(event: WrkrEvent, d: Delivery, started: number, lref: LeaseRef, err: unknown, log: () => Logger, fields: Record<string, unknown>, msg: string): Promise<void> {
    log().error(fields, msg);
    await this.onOutcome?.(event, { ok: false, error: err });
    const error = toFailureInfo(err);
    if (await this.settle(lref, { kind: 'fail', error }, log)) {
      this.events.emit('failed', { queue: this.settings.queue, id: event.id, name: event.name, attempt: d.attempt, ...timing(d, started), error });
      this.lifecycle.publish({ kind: 'failed', queue: this.settings.queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), error });
    }
  }

  private bindings(event: WrkrEvent | undefined): Record<string, unknown> {
    if (event === undefined || this.settings.logBindings === undefined) return {};
    try {
      return this.settings.logBindings(event);
    } catch (err) {
      // A log-field helper must not turn a job's outcome into a crash; its failure is itself logged.
      this.log.warn({ err, id: event.id }, 'logBindings threw; logging without its fields');
      return {};
    }
  }

  private invoke(event: WrkrEvent, ctx: HandlerContext, abort: LazyAbort): Promise<unknown> {
    const { timeoutMs } = this.settings;
    return new Promise<unknown>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      abort.onAbort((reason) => reject(reason instanceof Error ? reason : new WrkrError('ERR_WRKR_CLOSED', 'aborted')));
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => abort.abort(new TimeoutError('handler', timeoutMs)), timeoutMs);
      }
      const settled = (): void => {
        clearTimeout(timer);
        abort.onAbort(undefined);
      };
      const done = (value: unknown): void => (settled(), resolve(value));
      // Handlers may throw anything; toFailureInfo makes a FailureInfo of whatever it is.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      const failed = (err: unknown): void => (settled(), reject(err));
      let result: unknown;
      try {
        result = this.handler(event, ctx);
      } catch (err) {
        failed(err);
        return;
      }
      // Called directly, not through an extra promise turn: an async handler's own promise is awaited once.
      if (isThenable(result)) result.then(done, failed);
      else done(result);
    });
  }

  /** The ack of a handler's success: a plain ack, or with `keepCompleted` one that keeps the item and its result. */
  private ackOutcome(value: unknown, log: () => Logger): Ack {
    const keep = this.settings.keepCompleted;
    if (keep === undefined) return { ack: undefined };
    let result: string | undefined;
    try {
      result = resultText(value, 'result');
    } catch (err) {
      // The job succeeded; an unkeepable result must not turn that into a retry.
      log().warn({ err }, 'handler result cannot be kept; keeping the completed item without it');
    }
    return { ack: { ...keep, ...(result !== undefined && { result }) } };
  }

  private async settle(lref: LeaseRef, outcome: Ack | Parameters<Backend['nack']>[1], log: () => Logger): Promise<boolean> {
    try {
      const ok = !('ack' in outcome) ? await this.backend.nack(lref, outcome) : outcome.ack ? await this.backend.ack(lref, { keep: outcome.ack }) : await this.backend.ack(lref);
      if (!ok) log().warn('lease was lost before the item was settled; it will be redelivered');
      return ok;
    } catch (err) {
      log().error({ err }, 'could not settle the item; it will be redelivered after its lease');
      return false;
    }
  }
}

/** A success to settle: `ack` holds what to keep of the completed item, if anything. */
interface Ack {
  readonly ack: KeepCompleted | undefined;
}

/** The handler's run time and the wait from publish to its start, carried by the outcome events (metrics read them). */
function timing(d: Delivery, started: number): { ms: number; waitMs: number } {
  return { ms: Date.now() - started, waitMs: Math.max(0, started - d.message.publishedAt) };
}

function ref(d: Delivery): LeaseRef {
  return { queue: d.queue, id: d.message.id, token: d.token };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
