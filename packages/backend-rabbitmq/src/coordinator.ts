import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Logger, Message } from '@wrkr/core/backend';
import { H, numberHeader, toAmqp } from './amqp-message';
import { READ_ONLY, type Command } from './commands';
import type { ConnectionManager } from './connection';
import { applyCommand, type CommandContext, type Publish } from './coordinator-commands';
import { PAUSED_TYPE } from './census';
import { delayKey, pausedSet, type CoordinatorState, type DelayedEntry } from './coordinator-state';
import type { DelayLadder } from './delay-ladder';
import type { Names } from './names';
import { QueueArgumentsError } from './queue-arguments-error';
import type { QueueDeclarer } from './queue-declarer';
import { StateJournal } from './state-journal';
import { stickyKey, StickyHolders } from './sticky-leases';

const MAX_CACHED_RESULTS = 2_000;
/** How long answers are kept for resent commands; every journal delta carries them, so not longer. */
const RESULT_TTL_MS = 30_000;
const RESUBSCRIBE_DELAY_MS = 200;

/** Settings of the coordinator. */
export interface CoordinatorOptions {
  /** Delayed items due within this many ms are held in memory and released on their exact ms; later ones ride the ladder. */
  readonly holdMs: number;
}

/** A message from the command queue, or a carrier the hold timer already published (awaiting its confirm). */
interface Inbound {
  readonly msg: ConsumeMessage;
  readonly ch: ConfirmChannel;
  readonly released?: { readonly key: string; readonly confirmed: Promise<void> };
}

interface Reply {
  readonly to: string;
  readonly correlationId: string;
  readonly body: unknown;
}

/**
 * The namespace's coordinator. Every client subscribes to the command queue, which has
 * single-active-consumer on, so the broker makes exactly one of them active at a time: that one executes
 * every command (bindings registry, delayed items, cancellation, schedules, workers, paused queues) one batch at a time,
 * appends the changes to its journal queue, then replies and acks. If it dies,
 * its unacked commands and held delayed carriers go back to the queue and the broker activates another
 * client, which replays the journal and carries on. All its publishes go through its own consuming
 * channel, so a coordinator that lost that channel can never write again.
 */
export class Coordinator {
  #channel: ConfirmChannel | undefined;
  #state: CoordinatorState | undefined;
  #journal: StateJournal | undefined;
  #holders: StickyHolders | undefined;
  #results = new Map<string, { body: unknown; at: number }>();
  #inbox: Inbound[] = [];
  /** Entries whose carrier was released and published but not yet confirmed: still pending in the journal. */
  #dispatching = new Map<string, DelayedEntry>();
  /** Held carriers by due ms: one timer per ms, so a burst due at one instant is released in one go. */
  #held = new Map<number, { readonly timer: NodeJS.Timeout; readonly msgs: ConsumeMessage[] }>();
  #draining = false;
  #closed = false;
  #ladder: Promise<void> | undefined;
  #ladderReady = false;
  #started = false;
  #subscribing: Promise<void> | undefined;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly declarer: QueueDeclarer,
    private readonly names: Names,
    private readonly ladderLevels: DelayLadder,
    private readonly options: CoordinatorOptions,
    private readonly log: Logger,
  ) {
    conn.on('connected', () => this.#started && void this.#subscribe());
  }

  /** Resolves once a ladder declaration in progress has ended (so deleting the namespace leaves nothing behind). */
  async quiesce(): Promise<void> {
    await this.#ladder?.catch(() => undefined);
  }

  /** Join the election (subscribe to the command queue). */
  async start(): Promise<void> {
    this.#started = true;
    await this.#subscribe();
  }

  /** Leave: held carriers and unacked commands return to the queue for the next coordinator. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#reset();
    const ch = this.#channel;
    this.#channel = undefined;
    if (ch) await ch.close().catch(() => undefined);
  }

  #subscribe(): Promise<void> {
    // One subscription at a time: a reconnect and a channel close can both ask for one.
    this.#subscribing ??= this.#doSubscribe().finally(() => (this.#subscribing = undefined));
    return this.#subscribing;
  }

  async #doSubscribe(): Promise<void> {
    if (this.#closed || this.#channel) return;
    try {
      const model = await this.conn.ready();
      const ch = await model.createConfirmChannel();
      this.#channel = ch;
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'coordinator channel error'));
      ch.on('close', () => {
        if (this.#channel !== ch) return;
        this.#channel = undefined;
        this.#reset();
        if (!this.#closed && this.conn.current) setTimeout(() => void this.#subscribe(), RESUBSCRIBE_DELAY_MS);
      });
      await ch.consume(this.names.commands, (msg) => {
        if (!msg) return;
        this.#inbox.push({ msg, ch });
        void this.#drain();
      });
    } catch (err) {
      if (this.#closed) return;
      this.log.warn({ err: (err as Error).message }, 'coordinator could not subscribe; retrying');
      this.#channel = undefined;
      setTimeout(() => void this.#subscribe(), RESUBSCRIBE_DELAY_MS);
    }
  }

  #reset(): void {
    for (const g of this.#held.values()) clearTimeout(g.timer);
    this.#held.clear();
    this.#inbox = [];
    this.#dispatching.clear();
    this.#state = undefined;
    this.#journal = undefined;
    this.#holders = undefined;
    this.#results.clear();
    this.#ladder = undefined;
    this.#ladderReady = false;
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#inbox.length > 0) {
        const ch = this.#channel;
        const batch = this.#inbox.splice(0).filter((b) => b.ch === ch);
        if (!ch || batch.length === 0) continue;
        try {
          await this.#process(ch, batch);
        } catch (err) {
          // Half-applied state must not survive: drop the channel so everything unacked is redelivered
          // and the next coordinator (maybe this one) starts again from the journal.
          this.log.error({ err: (err as Error).message }, 'coordinator batch failed; resubscribing');
          this.#reset();
          await ch.close().catch(() => undefined);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #load(ch: ConfirmChannel): Promise<CoordinatorState> {
    const journal = new StateJournal(ch, this.names.journal);
    const state = await journal.load();
    this.#journal = journal;
    this.#holders = new StickyHolders(state);
    this.#results = new Map(state.results.map(([id, body, at]) => [id, { body, at }]));
    if (state.outbox.length > 0) {
      await this.#publishAll(ch, state.outbox.map((o) => this.#byName(o.message)));
      state.outbox = [];
    }
    // The previous coordinator may have journaled a pause change and died before broadcasting it.
    if ((state.pauseVersion ?? 0) > 0) await this.#publishAll(ch, [this.#pausedNotice(state)]);
    this.#ensureLadder().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'delay ladder not declared yet'));
    await this.#ensureShadows(state);
    this.log.debug({ version: state.version }, 'coordinator active');
    return state;
  }

  /**
   * Every known queue gets its shadow log and direct binding before this coordinator routes anything: it
   * releases delayed items through the direct exchange, which would drop them for a queue made by a
   * version before shadow logs (idempotent for the others; one declare and a few binds per queue).
   */
  async #ensureShadows(state: CoordinatorState): Promise<void> {
    for (const queue of new Set([...state.queues, ...(state.declared ?? [])])) {
      try {
        await this.declarer.shadow(queue, state.bindings[queue] ?? []);
      } catch (err) {
        this.log.warn({ err: (err as Error).message, queue }, 'shadow log not declared; the queue is declared again at its next use');
      }
    }
  }

  async #process(ch: ConfirmChannel, batch: Inbound[]): Promise<void> {
    this.#state ??= await this.#load(ch);
    const state = this.#state;
    const journal = this.#journal!;
    const pauseVersion = state.pauseVersion ?? 0;
    const publishes: Publish[] = [];
    const replies: Reply[] = [];
    const acks: ConsumeMessage[] = [];
    const reads: Array<{ cmd: Command; replyTo: string | undefined; correlationId: string }> = [];
    let dirty = false;
    const released = batch.filter((b) => b.released);
    if (released.length > 0) {
      await Promise.all(released.map((b) => b.released!.confirmed));
      for (const b of released) {
        this.#dispatching.delete(b.released!.key);
        journal.deleteDelayed(state, b.released!.key);
        acks.push(b.msg);
      }
      dirty = true;
    }
    for (const { msg, released: done } of batch) {
      if (done) continue;
      // Carriers are the delayed messages themselves (their `type` is the event name), known by their due time.
      if (msg.properties.headers?.[H.dueAt] !== undefined) {
        const outcome = this.#carrier(state, msg, publishes);
        if (outcome === 'hold') continue;
        if (outcome === 'dispatched') dirty = true;
        acks.push(msg);
        continue;
      }
      acks.push(msg);
      const correlationId = String(msg.properties.correlationId ?? '');
      const replyTo = msg.properties.replyTo as string | undefined;
      const cached = this.#results.get(correlationId);
      if (cached !== undefined) {
        if (replyTo) replies.push({ to: replyTo, correlationId, body: cached.body });
        continue;
      }
      const cmd = JSON.parse(msg.content.toString('utf8')) as Command;
      if (READ_ONLY.has(cmd.op)) {
        // Answered from the state the whole batch leaves, since every reply goes out after the batch's
        // publishes: a count read before a carrier later in the batch was dispatched would count that
        // item here and again in the queue the dispatch wrote it to.
        reads.push({ cmd, replyTo, correlationId });
        continue;
      }
      const body = await this.#settle(state, cmd, publishes);
      dirty = true;
      this.#remember(correlationId, body);
      if (replyTo) replies.push({ to: replyTo, correlationId, body });
    }
    for (const r of reads) {
      const body = await this.#settle(state, r.cmd, publishes);
      if (r.replyTo) replies.push({ to: r.replyTo, correlationId: r.correlationId, body });
    }
    await this.#publishAll(ch, publishes);
    if (dirty) {
      const oldest = Date.now() - RESULT_TTL_MS;
      for (const [id, r] of this.#results) if (r.at < oldest) this.#results.delete(id);
      state.results = [...this.#results].map(([id, r]) => [id, r.body, r.at]);
      await journal.commit(state, () => (this.#dispatching.size === 0 ? state : { ...state, delayed: { ...state.delayed, ...Object.fromEntries(this.#dispatching) } }));
      if (state.outbox.length > 0) {
        await this.#publishAll(ch, state.outbox.map((o) => this.#byName(o.message)));
        state.outbox = [];
      }
    }
    // Journaled first, so no client ever sees a pause a new coordinator would not know; confirmed
    // before the replies, so when pause() resolves the notice already sits in every client's queue.
    if ((state.pauseVersion ?? 0) !== pauseVersion) await this.#publishAll(ch, [this.#pausedNotice(state)]);
    for (const r of replies) ch.sendToQueue(r.to, Buffer.from(JSON.stringify(r.body)), { correlationId: r.correlationId });
    for (const m of acks) ch.ack(m);
  }

  /** Apply one command; its answer, or the error it threw, is the reply body (a QueueArgumentsError with its details, so the client throws it typed). */
  async #settle(state: CoordinatorState, cmd: Command, publishes: Publish[]): Promise<unknown> {
    try {
      return { ok: await applyCommand(state, cmd, this.#context(publishes)) };
    } catch (err) {
      return { error: (err as Error).message, ...(err instanceof QueueArgumentsError && { queueArguments: err.info }) };
    }
  }

  #context(publishes: Publish[]): CommandContext {
    return {
      now: Date.now(),
      journal: this.#journal!,
      declarer: this.declarer,
      names: this.names,
      publishes,
      holders: this.#holders!,
      // Far items ride the ladder; until it is declared they wait in the command queue like near ones.
      carrierRoute: (remaining) =>
        remaining > this.options.holdMs && this.#ladderReady ? this.#ladderRoute(remaining) : { exchange: '', routingKey: this.names.commands },
    };
  }

  #remember(id: string, body: unknown): void {
    if (!id) return;
    this.#results.set(id, { body, at: Date.now() });
    if (this.#results.size > MAX_CACHED_RESULTS) this.#results.delete(this.#results.keys().next().value as string);
  }

  /** Decide on a delayed carrier: deliver it now, hold it until its ms, send it round the ladder again, or drop it. */
  #carrier(state: CoordinatorState, msg: ConsumeMessage, publishes: Publish[]): 'hold' | 'dispatched' | 'dropped' | 'relayed' {
    const h = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const dueAt = numberHeader(h[H.dueAt]) ?? 0;
    const target = typeof h[H.target] === 'string' ? (h[H.target] as string) : undefined;
    const key = carrierKey(msg, target);
    const entry = state.delayed[key];
    if (!entry || entry.nonce !== h[H.nonce]) return 'dropped';
    const remaining = dueAt - Date.now();
    if (remaining > this.options.holdMs) {
      if (!this.#ladderReady) {
        // The ladder is still being declared (it takes a moment on a fresh namespace): keep the carrier
        // and look at it again once the ladder is there, rather than stall every command behind it.
        const ch = this.#channel;
        void this.#ensureLadder()
          .catch(() => new Promise((r) => setTimeout(r, RESUBSCRIBE_DELAY_MS)))
          .then(() => {
            if (this.#channel !== ch || !ch) return;
            this.#inbox.push({ msg, ch });
            void this.#drain();
          });
        return 'hold';
      }
      publishes.push({ ...this.#ladderRoute(remaining), content: msg.content, options: { ...msg.properties, headers: stripDeath(h), persistent: true } });
      return 'relayed';
    }
    if (remaining > 0) {
      this.#hold(msg, dueAt, remaining);
      return 'hold';
    }
    this.#journal!.deleteDelayed(state, key);
    publishes.push(this.#routed(msg, entry, target));
    return 'dispatched';
  }

  /** Keep a carrier until its ms (`#reset` clears every group, so a group never outlives the channel it came on). */
  #hold(msg: ConsumeMessage, dueAt: number, remaining: number): void {
    const group = this.#held.get(dueAt);
    if (group) {
      group.msgs.push(msg);
      return;
    }
    const ch = this.#channel;
    const msgs = [msg];
    const timer = setTimeout(() => {
      this.#held.delete(dueAt);
      if (this.#channel !== ch || !ch) return;
      for (const m of msgs) this.#inbox.push(this.#release(ch, m));
      void this.#drain();
    }, remaining);
    this.#held.set(dueAt, { timer, msgs });
  }

  /** The publish that delivers a carrier's message: by name to the exchange, or straight to its queue. */
  #routed(msg: ConsumeMessage, entry: DelayedEntry, target: string | undefined): Publish {
    const headers = stripDeath(msg.properties.headers ?? {});
    delete headers[H.dueAt];
    delete headers[H.nonce];
    delete headers[H.target];
    delete headers[H.hold];
    // A first attempt's count of 0 reads the same absent; without it a plain event has no header table
    // left, which the broker routes and stores markedly faster (as `toAmqp` leaves it out for direct publishes).
    if (headers[H.prior] === 0) delete headers[H.prior];
    const options = { ...msg.properties, persistent: true } as Options.Publish;
    if (Object.keys(headers).length > 0) options.headers = headers;
    else delete options.headers;
    return target === undefined
      ? { exchange: this.names.exchange, routingKey: entry.name, content: msg.content, options }
      : { exchange: this.names.direct, routingKey: target, content: msg.content, options };
  }

  /**
   * A held carrier's ms has come: publish its message at once, outside the batch loop, so a batch busy
   * writing to the journal never makes it late. The entry leaves the pending set now (a cancel from here on
   * finds nothing) but stays in snapshots until the broker confirms the publish; the batch loop then
   * drops it for good and acks the carrier.
   */
  #release(ch: ConfirmChannel, msg: ConsumeMessage): Inbound {
    const state = this.#state;
    const h = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const target = typeof h[H.target] === 'string' ? (h[H.target] as string) : undefined;
    const key = carrierKey(msg, target);
    const entry = state?.delayed[key];
    if (!state || !entry || entry.nonce !== h[H.nonce]) return { msg, ch };
    delete state.delayed[key];
    this.#dispatching.set(key, entry);
    const p = this.#routed(msg, entry, target);
    const confirmed = new Promise<void>((resolve, reject) => {
      ch.publish(p.exchange, p.routingKey, p.content, p.options, (err) => (err ? reject(new Error('publish not confirmed by the broker')) : resolve()));
    });
    confirmed.catch(() => undefined);
    return { msg, ch, released: { key, confirmed } };
  }

  #ladderRoute(remaining: number): { exchange: string; routingKey: string } {
    return this.ladderLevels.route(remaining - this.options.holdMs / 2) ?? { exchange: '', routingKey: this.names.commands };
  }

  /** Declare the ladder once per activation; started on activation so the first long delay rarely waits for it. */
  #ensureLadder(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('coordinator closed'));
    if (!this.#ladder) {
      // On a channel of its own: the ladder has a hundred objects, and queue declarations must not wait behind them.
      const p = (async () => {
        const model = await this.conn.ready();
        const tch = await model.createChannel();
        tch.on('error', () => undefined);
        try {
          await this.ladderLevels.declare(tch);
        } finally {
          await tch.close().catch(() => undefined);
        }
      })();
      this.#ladder = p;
      p.then(
        () => {
          if (this.#ladder === p) this.#ladderReady = true;
        },
        () => {
          if (this.#ladder === p) this.#ladder = undefined;
        },
      );
    }
    return this.#ladder;
  }

  /** The paused set for every client, through the census exchange. */
  #pausedNotice(state: CoordinatorState): Publish {
    return { exchange: this.names.census, routingKey: '', content: Buffer.from(JSON.stringify(pausedSet(state))), options: { type: PAUSED_TYPE } };
  }

  #byName(message: Message): Publish {
    const { content, options } = toAmqp(message);
    return { exchange: this.names.exchange, routingKey: message.name, content, options };
  }

  async #publishAll(ch: ConfirmChannel, publishes: readonly Publish[]): Promise<void> {
    if (publishes.length === 0) return;
    await Promise.all(
      publishes.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            ch.publish(p.exchange, p.routingKey, p.content, p.options, (err) => (err ? reject(new Error('publish not confirmed by the broker')) : resolve()));
          }),
      ),
    );
  }
}

/** The state entry a carrier belongs to: a sticky hold's (by its hold header), or a delayed item's. */
function carrierKey(msg: ConsumeMessage, target: string | undefined): string {
  const id = String(msg.properties.messageId);
  const hold = msg.properties.headers?.[H.hold] as unknown;
  return typeof hold === 'string' && target !== undefined ? stickyKey(target, id, hold) : delayKey(id, target);
}

function stripDeath(h: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) if (!/^x-(death|first-death-|last-death-)/.test(k)) out[k] = v;
  return out;
}

