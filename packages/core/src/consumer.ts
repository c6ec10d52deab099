import type { EventEmitter } from 'node:events';
import type { AbortRequest, Backend, Delivery, KeepCompleted, LeaseRef, LifecycleEvent } from './contract';
import { toEvent, type Codec } from './codec';
import { AbortWatcher, type Watched } from './abort-watcher';
import { AbortedError, StaleLeaseError, TimeoutError, ValidationError } from './errors';
import type { WrkrEvent } from './event';
import { DeliveryContext, type DeliveryHooks } from './delivery-context';
import type { Handler, HandlerContext } from './handler';
import { resultText } from './keep-completed';
import { LazyAbort } from './lazy-abort';
import { lifecycleResult, type LifecyclePublisher } from './lifecycle-publisher';
import { LeaseRenewer, type LeaseOwner, type RenewedLease } from './lease-renewer';
import { ProgressWriter } from './progress-writer';
import type { Logger } from './logger';
import type { RetryPolicy } from './retry-policy';
import { traceConsume, type ConsumeRun, type MarkFailed } from './tracing';
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
// Longest a consumer keeps the event loop from turning while its backend answers claims at once.
const TURN_MS = 10;

/**
 * The loop behind one subscription: claims as many items as it has free slots, runs the handler under a
 * renewed lease, then acks, retries (with the policy's backoff) or fails each item.
 */
export class Consumer {
  // Deliveries started and not yet settled, for stop(); a Set, as a delivery is its own key.
  private readonly active = new Set<Running>();
  private readonly claimAbort = new AbortController();
  private slotFreed?: () => void;
  // Handlers running now; an item whose handler finished may still be settling (ack in flight), which
  // keeps it in `active` for stop() but frees its slot, so the next claim overlaps the ack.
  private running = 0;
  private loop?: Promise<void>;
  private stopping = false;
  /** When the claim loop last let the event loop turn. */
  private turnAt = Date.now();
  private readonly renewer: LeaseRenewer;
  private readonly aborts?: AbortWatcher;
  /** @internal Where a delivery's progress goes beyond the Wrkr instance's event; undefined when nowhere. */
  readonly progressSinks: { store: boolean; publish: boolean } | undefined;

  constructor(
    readonly backend: Backend,
    private readonly codec: Codec,
    readonly settings: ConsumerSettings,
    private readonly handler: Handler,
    readonly log: Logger,
    private readonly events: EventEmitter,
    readonly lifecycle: LifecyclePublisher,
    private readonly onOutcome?: OutcomeHook,
  ) {
    this.renewer = new LeaseRenewer(backend, settings.leaseMs);
    if (backend.capabilities.abort) this.aborts = new AbortWatcher(backend, log);
    const { progress: store, lifecycleEvents: publish } = backend.capabilities;
    if (store || publish) this.progressSinks = { store, publish };
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
    try {
      await this.drain(timeoutMs);
    } finally {
      // Otherwise they would stop at their next tick only, which for a long lease may be hours away, and keep
      // this consumer (and all it references) from being collected until then.
      this.renewer.stopIfIdle();
      this.aborts?.stopIfIdle();
    }
  }

  private async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.claimAbort.abort();
    this.slotFreed?.();
    await this.loop;
    const drained = Promise.all([...this.active].map((a) => a.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      drained.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
    const left = [...this.active];
    this.log.warn({ inFlight: left.length }, 'stop timed out; aborting handlers and releasing their items');
    for (const a of left) a.abort.abort(new TimeoutError('stop', timeoutMs));
    await Promise.all(left.map(async (a) => this.backend.nack(a.ref, { kind: 'release' }).catch((err: unknown) => this.log.warn({ err }, 'release failed; the lease will expire'))));
    this.active.clear();
  }

  /** @internal A handler ended (or never started): its slot is free for the next claim. */
  slotDone(): void {
    this.running--;
    // Once: the loop waits for the first free slot, and a hundred handlers ending together would each call it.
    const wake = this.slotFreed;
    this.slotFreed = undefined;
    wake?.();
  }

  /** @internal Settle the item of a handler that called ctx.ack(): renewal stops first, so a renewal cannot find the token gone and abort the handler. */
  ackEarly(r: Running): Promise<boolean> {
    r.lease?.stop();
    // An early ack comes before the handler's result, so a kept item is kept without one.
    return this.settle(r.ref, this.ackOutcome(undefined, r), r);
  }

  private async run(): Promise<void> {
    let errorDelay = 50;
    while (!this.stopping) {
      const free = this.settings.concurrency - this.running;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve));
        // Let the handlers finishing in this same turn free their slots too, so one claim fills them all.
        // One at a time, a turn now and then all the same: a backend that answers at once (memory, with a
        // backlog) would otherwise keep this loop in promise callbacks until the backlog is gone, and no
        // timer (lease renewal, lifecycle batches, abort polls) and no I/O of the process would run meanwhile.
        if (this.settings.concurrency > 1 || Date.now() - this.turnAt >= TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          this.turnAt = Date.now();
        }
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
    const r = new Running(this, d);
    this.active.add(r);
    this.running++;
    r.done = traceConsume(this.backend.name, this.settings.queue, d, r);
  }

  /**
   * @internal Process one delivery (called by its Running under its consumer span), then forget it. One
   * async function, not a wrapper around another: each costs a frame and promises per job.
   */
  async process(r: Running, mark: MarkFailed): Promise<void> {
    try {
      const { queue } = this.settings;
      const d = r.delivery;
      const { abort } = r;
      const started = Date.now();
      let event: WrkrEvent;
      try {
        event = r.event = toEvent(this.codec, d.message);
      } catch (err) {
        // An undecodable item can never succeed: fail it now instead of burning retries.
        r.log().error({ err }, 'cannot decode item; moving it to the failed store');
        await this.settle(r.ref, { kind: 'fail', error: toFailureInfo(err) }, r);
        return;
      }
      if (this.settings.requireData && event.data === undefined) {
        // Without its data the handler could never succeed either; a requester gets the reason at once.
        const error = new ValidationError('data', "is required by this subscription ({ data: 'required' })");
        await this.fail(event, r, started, error, { err: error }, 'event without data; moving it to the failed store');
        return;
      }
      const lease = (r.lease = this.renewer.track(r.ref, r));
      this.aborts?.watch(r);
      const ctx = new DeliveryContext(queue, d.attempt, event, abort, lease, this.events, r);
      this.lifecycle.publish({ kind: 'active', queue, id: event.id, name: event.name, attempt: d.attempt, at: started });
      let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, value: await this.invoke(event, ctx, r) };
      } catch (error) {
        outcome = { ok: false, error };
        mark(error);
      } finally {
        clearTimeout(r.timer);
        abort.onAbort(undefined);
        lease.stop();
        this.aborts?.unwatch(r);
        r.freeSlot();
      }
      // Awaited only when there is something to wait for: every await costs a promise turn per job.
      const flushing = ctx.flushProgress();
      if (flushing !== undefined) await flushing;
      if (r.early !== undefined) {
        await this.afterEarlyAck(event, r, outcome, await r.early, started);
        return;
      }
      if (abort.aborted && abort.reason instanceof StaleLeaseError) return; // another consumer owns it now
      if (abort.aborted && this.stopping && !outcome.ok) return; // released by stop()

      if (abort.reason instanceof AbortedError && abort.reason.fail) {
        await this.fail(event, r, started, abort.reason, { err: abort.reason }, 'handler aborted; moving it to the failed store');
        return;
      }
      if (outcome.ok) {
        if (this.onOutcome !== undefined) await this.onOutcome(event, outcome);
        if (await this.settle(r.ref, this.ackOutcome(outcome.value, r), r)) {
          // The hottest line of a consumer: no event object for an instance nobody listens to.
          if (this.events.listenerCount('completed') > 0) this.events.emit('completed', { queue, id: event.id, name: event.name, attempt: d.attempt, ...timing(d, started) });
          this.lifecycle.publish(completedEvent(queue, event, d.attempt, outcome.value));
        }
        return;
      }
      const error = toFailureInfo(outcome.error);
      if (this.settings.retry.canRetry(d.attempt)) {
        const dueAt = Date.now() + this.settings.retry.delayAfter(d.attempt);
        r.log().warn({ err: outcome.error, ms: Date.now() - started, dueAt }, 'handler failed; will retry');
        if (await this.settle(r.ref, { kind: 'retry', dueAt, error }, r)) {
          this.events.emit('retrying', { queue, id: event.id, name: event.name, attempt: d.attempt, dueAt, ...timing(d, started), error });
          this.lifecycle.publish({ kind: 'retrying', queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), dueAt, error });
        }
        return;
      }
      await this.fail(event, r, started, outcome.error, { err: outcome.error, ms: Date.now() - started }, 'handler failed; no attempts left, moving to the failed store');
    } finally {
      this.active.delete(r);
      r.freeSlot();
    }
  }

  /** The end of a handler that called ctx.ack(): the item is settled, so a failure is only logged. */
  private async afterEarlyAck(event: WrkrEvent, r: Running, outcome: { ok: true; value: unknown } | { ok: false; error: unknown }, acked: boolean, started: number): Promise<void> {
    if (!outcome.ok) r.log().error({ err: outcome.error, ms: Date.now() - started }, 'handler failed after ctx.ack(); the item was acknowledged, so it is not retried');
    await this.onOutcome?.(event, outcome);
    if (!acked) return;
    const { queue } = this.settings;
    const d = r.delivery;
    this.events.emit('completed', { queue, id: event.id, name: event.name, attempt: d.attempt, ...timing(d, started) });
    this.lifecycle.publish(outcome.ok ? completedEvent(queue, event, d.attempt, outcome.value) : { kind: 'completed', queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now() });
  }

  /** Log, reply to a requester, move the item to the failed store and emit `failed`. */
  private async fail(event: WrkrEvent, r: Running, started: number, err: unknown, fields: Record<string, unknown>, msg: string): Promise<void> {
    r.log().error(fields, msg);
    await this.onOutcome?.(event, { ok: false, error: err });
    const error = toFailureInfo(err);
    const d = r.delivery;
    if (await this.settle(r.ref, { kind: 'fail', error }, r)) {
      this.events.emit('failed', { queue: this.settings.queue, id: event.id, name: event.name, attempt: d.attempt, ...timing(d, started), error });
      this.lifecycle.publish({ kind: 'failed', queue: this.settings.queue, id: event.id, name: event.name, attempt: d.attempt, at: Date.now(), error });
    }
  }

  /** @internal Extra log fields of a delivery, from the subscription's `logBindings`. */
  bindings(event: WrkrEvent | undefined): Record<string, unknown> {
    if (event === undefined || this.settings.logBindings === undefined) return {};
    try {
      return this.settings.logBindings(event);
    } catch (err) {
      // A log-field helper must not turn a job's outcome into a crash; its failure is itself logged.
      this.log.warn({ err, id: event.id }, 'logBindings threw; logging without its fields');
      return {};
    }
  }

  /** Run the handler; rejects at once when the delivery is aborted (process() clears the timer and listener after). */
  private invoke(event: WrkrEvent, ctx: HandlerContext, r: Running): Promise<unknown> {
    const { timeoutMs } = this.settings;
    return new Promise<unknown>((resolve, reject) => {
      // Every abort reason the consumer gives is an Error (timeout, lost lease, abort request, stop).
      r.abort.onAbort(reject);
      if (timeoutMs !== undefined) r.timer = setTimeout(() => r.abort.abort(new TimeoutError('handler', timeoutMs)), timeoutMs);
      let result: unknown;
      try {
        result = this.handler(event, ctx);
      } catch (err) {
        // Handlers may throw anything; toFailureInfo makes a FailureInfo of whatever it is.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(err);
        return;
      }
      // Called directly, not through an extra promise turn: an async handler's own promise is awaited once.
      if (isThenable(result)) result.then(resolve, reject);
      else resolve(result);
    });
  }

  /** The ack of a handler's success: a plain ack, or with `keepCompleted` one that keeps the item and its result. */
  private ackOutcome(value: unknown, r: Running): Ack {
    const keep = this.settings.keepCompleted;
    if (keep === undefined) return PLAIN_ACK;
    let result: string | undefined;
    try {
      result = resultText(value, 'result');
    } catch (err) {
      // The job succeeded; an unkeepable result must not turn that into a retry.
      r.log().warn({ err }, 'handler result cannot be kept; keeping the completed item without it');
    }
    return { ack: { ...keep, ...(result !== undefined && { result }) } };
  }

  /** Ack or nack; false (logged) when the lease was lost or the backend failed. Not async: a frame per job costs more than the two callbacks. */
  private settle(lref: LeaseRef, outcome: Ack | Parameters<Backend['nack']>[1], r: Running): Promise<boolean> {
    let settling: Promise<boolean>;
    try {
      settling = !('ack' in outcome) ? this.backend.nack(lref, outcome) : outcome.ack ? this.backend.ack(lref, { keep: outcome.ack }) : this.backend.ack(lref);
    } catch (err) {
      // A backend must reject, not throw; one that throws is handled alike (its reason only gets logged).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      settling = Promise.reject(err);
    }
    return settling.then(
      (ok) => {
        if (!ok) r.log().warn('lease was lost before the item was settled; it will be redelivered');
        return ok;
      },
      (err: unknown) => {
        r.log().error({ err }, 'could not settle the item; it will be redelivered after its lease');
        return false;
      },
    );
  }
}

/**
 * One delivery's bookkeeping: its lease reference, abort source, slot and child logger, and the hooks its
 * handler context, lease renewal and abort watch call back into. One object per delivery where there
 * used to be a closure for each of those.
 */
class Running implements DeliveryHooks, LeaseOwner, Watched, ConsumeRun {
  readonly abort = new LazyAbort();
  readonly ref: LeaseRef;
  /** Settles when the delivery is settled (or given up); what stop() waits for. */
  done: Promise<void> = DONE;
  /** The decoded event, once decoded (its log lines carry logBindings of it). */
  event: WrkrEvent | undefined = undefined;
  lease: RenewedLease | undefined = undefined;
  /** The settling started by ctx.ack(). */
  early: Promise<boolean> | undefined = undefined;
  /** The handler's timeout, while it runs. */
  timer: NodeJS.Timeout | undefined = undefined;
  #slotHeld = true;
  #log: Logger | undefined = undefined;

  constructor(
    private readonly consumer: Consumer,
    readonly delivery: Delivery,
  ) {
    this.ref = ref(delivery);
  }

  process(mark: MarkFailed): Promise<void> {
    return this.consumer.process(this, mark);
  }

  /** Free the delivery's slot (once). */
  freeSlot(): void {
    if (!this.#slotHeld) return;
    this.#slotHeld = false;
    this.consumer.slotDone();
  }

  log(): Logger {
    // A child logger per delivery is costly; most deliveries never log.
    const d = this.delivery;
    return (this.#log ??= this.consumer.log.child({ id: d.message.id, event: d.message.name, attempt: d.attempt, ...this.consumer.bindings(this.event) }));
  }

  ackNow(): Promise<boolean> {
    return (this.early ??= this.consumer.ackEarly(this));
  }

  progressWriter(): ProgressWriter | undefined {
    const sinks = this.consumer.progressSinks;
    if (sinks === undefined) return undefined;
    const log = (): Logger => this.log();
    if (!sinks.publish) return new ProgressWriter(this.consumer.backend, this.ref, log, { store: sinks.store });
    const { queue } = this.consumer.settings;
    const { lifecycle } = this.consumer;
    const { id, name } = this.event!;
    const { attempt } = this.delivery;
    const publish = (progress: string): void => lifecycle.publish({ kind: 'progress', queue, id, name, attempt, at: Date.now(), progress });
    return new ProgressWriter(this.consumer.backend, this.ref, log, { store: sinks.store, publish });
  }

  leaseLost(err: StaleLeaseError): void {
    this.abort.abort(err);
  }

  abortRequested(request: AbortRequest): void {
    this.abort.abort(new AbortedError(this.consumer.settings.queue, this.delivery.message.id, request.reason, request.fail === true));
  }
}

const DONE = Promise.resolve();

/** A success to settle: `ack` holds what to keep of the completed item, if anything. */
interface Ack {
  readonly ack: KeepCompleted | undefined;
}

const PLAIN_ACK: Ack = { ack: undefined };

/** The `completed` lifecycle event of a handler's success, with its result when it has a keepable one. */
function completedEvent(queue: string, event: WrkrEvent, attempt: number, value: unknown): LifecycleEvent {
  const result = lifecycleResult(value).result;
  const e: { -readonly [K in keyof LifecycleEvent]: LifecycleEvent[K] } = { kind: 'completed', queue, id: event.id, name: event.name, attempt, at: Date.now() };
  if (result !== undefined) e.result = result;
  return e;
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
