import type { Options } from 'amqplib';
import { H, toAmqp } from './amqp-message';
import { randomToken } from './ids';
import type { Command, DelayedItem } from './commands';
import { countHeld, delayKey, pausedSet, toWorkerInfo, type CoordinatorState } from './coordinator-state';
import { listHeld } from './held-jobs';
import { listPending } from './pending-list';
import type { Names } from './names';
import type { QueueDeclarer } from './queue-declarer';
import type { StateJournal } from './state-journal';
import { failedEntry } from './failed-store';
import { grant, newHold, putSticky, reclaimed, stickyKey, stickyKeyOf, toQueue, type StickyHolders } from './sticky-leases';

/** One AMQP publish the coordinator sends after the batch's commands have run. */
export interface Publish {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
}

/** What a command handler works with besides the state; `now` is read once per command. */
export interface CommandContext {
  readonly now: number;
  readonly journal: StateJournal;
  readonly declarer: QueueDeclarer;
  readonly names: Names;
  /** The batch's publishes, sent before any reply. */
  readonly publishes: Publish[];
  /** Each holder's latest sticky hold. */
  readonly holders: StickyHolders;
  /** Where a new carrier due in `remaining` ms goes: the delay ladder when far and declared, else the command queue. */
  carrierRoute(remaining: number): { exchange: string; routingKey: string };
}

type Handler<C extends Command> = (state: CoordinatorState, cmd: C, ctx: CommandContext) => unknown;

/** One handler per command op; the answer (or the error thrown) becomes the reply. */
const HANDLERS: { readonly [Op in Command['op']]: Handler<Extract<Command, { op: Op }>> } = {
  async ensureQueue(state, cmd, ctx) {
    await ctx.declarer.queue(cmd.queue, cmd.maxPriority, cmd.unlisted === true);
    const list = cmd.unlisted ? (state.declared ??= []) : state.queues;
    if (!list.includes(cmd.queue)) list.push(cmd.queue);
    return true;
  },

  async bind(state, cmd, ctx) {
    await ctx.declarer.queue(cmd.queue, cmd.maxPriority);
    // Its shadow log gets the same pattern. The queue is bound first and unbound last, so the log never
    // holds an entry the queue did not get (a ghost nobody would ever settle); a message routed in the
    // instant between is only missing from the log.
    await ctx.declarer.run(async (t) => {
      await t.bindQueue(ctx.names.queue(cmd.queue), ctx.names.exchange, cmd.pattern);
      if (ctx.declarer.shadowLogs) await t.bindQueue(ctx.names.shadow(cmd.queue), ctx.names.exchange, cmd.pattern);
    });
    if (!state.queues.includes(cmd.queue)) state.queues.push(cmd.queue);
    const list = (state.bindings[cmd.queue] ??= []);
    if (!list.includes(cmd.pattern)) list.push(cmd.pattern);
    return true;
  },

  async unbind(state, cmd, ctx) {
    const list = state.bindings[cmd.queue];
    if (!list?.includes(cmd.pattern)) return true;
    // The shadow log first (see bind: the log never gets what the queue did not).
    await ctx.declarer.run(async (t) => {
      if (ctx.declarer.shadowLogs) await t.unbindQueue(ctx.names.shadow(cmd.queue), ctx.names.exchange, cmd.pattern);
      await t.unbindQueue(ctx.names.queue(cmd.queue), ctx.names.exchange, cmd.pattern);
    });
    state.bindings[cmd.queue] = list.filter((p) => p !== cmd.pattern);
    if (state.bindings[cmd.queue]!.length === 0) delete state.bindings[cmd.queue];
    return true;
  },

  bindings: (state, cmd) =>
    Object.entries(state.bindings)
      .filter(([q]) => cmd.queue === undefined || q === cmd.queue)
      .flatMap(([queue, patterns]) => patterns.map((pattern) => ({ queue, pattern }))),

  queues: (state) => [...state.queues].sort(),

  knownObjects: (state) => ({ queues: [...new Set([...state.queues, ...(state.declared ?? [])])] }),

  async deleteQueue(state, cmd, ctx) {
    await ctx.declarer.run(async (t) => {
      // The shadow log first: a write addressed to a queue whose log is gone but which still exists is
      // only missing from the log, while the reverse would route it to the log alone and not return it.
      await t.deleteQueue(ctx.names.shadow(cmd.queue));
      await t.deleteQueue(ctx.names.queue(cmd.queue));
      await t.deleteQueue(ctx.names.failed(cmd.queue));
    });
    delete state.bindings[cmd.queue];
    state.queues = state.queues.filter((q) => q !== cmd.queue);
    if (state.declared) state.declared = state.declared.filter((q) => q !== cmd.queue);
    for (const [k, e] of Object.entries(state.delayed)) if (e.queue === cmd.queue) ctx.journal.deleteDelayed(state, k);
    // A queue made again later starts unpaused and uncounted, as on the other backends.
    setPaused(state, cmd.queue, false);
    if (state.counters) delete state.counters[cmd.queue];
    return true;
  },

  delay(state, cmd, ctx) {
    for (const item of cmd.items) delay(state, item, ctx);
    return true;
  },

  cancel(state, cmd, ctx) {
    let removed = false;
    for (const [k, e] of Object.entries(state.delayed)) {
      if (e.id === cmd.id && !e.lease) {
        ctx.journal.deleteDelayed(state, k);
        removed = true;
      }
    }
    return removed;
  },

  heldCount: (state, cmd) => countHeld(state, cmd.queue),

  heldJobs: (state, cmd) => listHeld(state, cmd.queue),

  pending: (state, cmd) => listPending(state, cmd.offset, cmd.limit),

  upsertSchedule(state, cmd) {
    state.schedules[cmd.record.name] = cmd.record;
    return true;
  },

  removeSchedule(state, cmd) {
    const had = cmd.name in state.schedules;
    delete state.schedules[cmd.name];
    return had;
  },

  getSchedule: (state, cmd) => state.schedules[cmd.name] ?? null,

  listSchedules: (state) => Object.values(state.schedules).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),

  fireSchedule(state, cmd) {
    const s = state.schedules[cmd.name];
    if (!s || s.nextRunAt !== cmd.expected.runAt || s.updatedAt !== cmd.expected.updatedAt) return false;
    state.schedules[cmd.name] = { ...s, nextRunAt: cmd.nextRunAt, lastRunAt: cmd.expected.runAt };
    state.outbox.push({ message: cmd.message });
    return true;
  },

  registerWorker(state, cmd, { now }) {
    expireWorkers(state, now);
    const w = state.workers[cmd.id];
    if (w && w.instance !== cmd.instance) return false;
    state.workers[cmd.id] = { instance: cmd.instance, meta: cmd.meta, startedAt: w?.startedAt ?? now, heartbeatAt: now, expiresAt: now + cmd.ttlMs };
    return true;
  },

  heartbeat(state, cmd, { now }) {
    expireWorkers(state, now);
    const w = state.workers[cmd.id];
    if (w && w.instance !== cmd.instance) return false;
    state.workers[cmd.id] = { instance: cmd.instance, meta: cmd.meta ?? w?.meta ?? {}, startedAt: w?.startedAt ?? now, heartbeatAt: now, expiresAt: now + cmd.ttlMs };
    return true;
  },

  unregisterWorker(state, cmd) {
    if (state.workers[cmd.id]?.instance === cmd.instance) delete state.workers[cmd.id];
    return true;
  },

  pause(state, cmd) {
    setPaused(state, cmd.queue, true);
    return pausedSet(state);
  },

  resume(state, cmd) {
    setPaused(state, cmd.queue, false);
    return pausedSet(state);
  },

  paused: (state) => pausedSet(state),

  count(state, cmd) {
    const all = (state.counters ??= {});
    for (const [queue, [c, f, r, since]] of Object.entries(cmd.counts)) {
      const had = all[queue];
      all[queue] = had ? [had[0] + c, had[1] + f, had[2] + r, Math.min(had[3], since)] : [c, f, r, since];
    }
    return true;
  },

  counters: (state, cmd) => state.counters?.[cmd.queue] ?? null,

  stickyClaim(state, cmd, ctx) {
    // A paused queue returns nothing, held item or not (the contract's rule for every claim).
    if (state.paused?.includes(cmd.queue)) return null;
    const live = ctx.holders.live(state, cmd.queue, cmd.holder, ctx.now);
    if (!live) return null;
    const sticky = reclaimed(live.entry.sticky);
    putSticky(state, live.key, cmd.queue, ctx.now + cmd.leaseMs, sticky, ctx);
    return grant(sticky, ctx.now + cmd.leaseMs);
  },

  stickyHold(state, cmd, ctx) {
    const leaseUntil = ctx.now + cmd.leaseMs;
    // Another client's claim for this holder won the race: it holds that item, so this one goes back.
    const live = ctx.holders.live(state, cmd.queue, cmd.holder, ctx.now);
    if (live) {
      const sticky = reclaimed(live.entry.sticky);
      putSticky(state, live.key, cmd.queue, leaseUntil, sticky, ctx);
      return { held: grant(sticky, leaseUntil) };
    }
    const sticky = newHold(cmd.holder, cmd.message, cmd.attempt, cmd.priority);
    const key = stickyKey(cmd.queue, cmd.message.id, sticky.hold);
    putSticky(state, key, cmd.queue, leaseUntil, sticky, ctx);
    ctx.holders.set(cmd.queue, cmd.holder, key);
    return { took: { token: sticky.token, leaseUntil } };
  },

  stickyEnd(state, cmd, ctx) {
    const key = stickyKeyOf(cmd.queue, cmd.id, cmd.token);
    const entry = state.delayed[key];
    const sticky = entry?.sticky;
    if (!sticky || sticky.token !== cmd.token || entry.dueAt <= ctx.now) return false;
    const { outcome } = cmd;
    if (outcome.kind === 'extend') {
      putSticky(state, key, cmd.queue, ctx.now + outcome.leaseMs, sticky, ctx);
      return true;
    }
    // Removed and written back in one batch: the journal drops the entry only after the broker confirmed the write.
    ctx.journal.deleteDelayed(state, key);
    switch (outcome.kind) {
      case 'ack':
        break;
      case 'retry':
        if (outcome.dueAt > ctx.now) {
          delay(state, { message: sticky.message, dueAt: outcome.dueAt, nonce: randomToken(), prior: sticky.attempt, queue: cmd.queue, ...(sticky.priority ? { priority: sticky.priority } : {}) }, ctx);
        } else {
          ctx.publishes.push(toQueue(ctx, cmd.queue, sticky, sticky.attempt));
        }
        break;
      case 'release':
        ctx.publishes.push(toQueue(ctx, cmd.queue, sticky, sticky.attempt - 1));
        break;
      case 'fail': {
        const { content, options } = failedEntry(cmd.queue, sticky.message, sticky.attempt, outcome.error, sticky.priority ?? 0);
        ctx.publishes.push({ exchange: '', routingKey: ctx.names.failed(cmd.queue), content, options });
        break;
      }
    }
    return true;
  },

  heldBy(state, cmd, ctx) {
    const live = ctx.holders.live(state, cmd.queue, cmd.holder, ctx.now);
    return live ? { queue: cmd.queue, id: live.entry.id, token: live.entry.sticky.token } : null;
  },

  workers: (state, _cmd, { now }) =>
    Object.entries(state.workers)
      .filter(([, w]) => w.expiresAt > now)
      .map(([id, w]) => toWorkerInfo(id, w))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
};

/** Run one command against the state; mutations go to the journal and `ctx.publishes`. */
export async function applyCommand(state: CoordinatorState, cmd: Command, ctx: CommandContext): Promise<unknown> {
  const handler = HANDLERS[cmd.op] as Handler<Command> | undefined;
  // A client newer than this coordinator may send an op it does not know: answer with an error, not silence.
  if (!handler) throw new Error(`unknown coordinator command ${JSON.stringify(cmd.op)}`);
  return await handler(state, cmd, ctx);
}

/** Add or remove a queue from the paused set; a change bumps its version (the coordinator then broadcasts it). */
function setPaused(state: CoordinatorState, queue: string, paused: boolean): void {
  const list = state.paused ?? [];
  if (list.includes(queue) === paused) return;
  state.paused = paused ? [...list, queue] : list.filter((q) => q !== queue);
  state.pauseVersion = (state.pauseVersion ?? 0) + 1;
}

function expireWorkers(state: CoordinatorState, now: number): void {
  for (const [id, w] of Object.entries(state.workers)) if (w.expiresAt <= now) delete state.workers[id];
}

/** Record a delayed item as pending and publish its carrier (once per key: a resent item is not added twice). */
function delay(state: CoordinatorState, item: DelayedItem, ctx: CommandContext): void {
  const key = delayKey(item.message.id, item.queue);
  if (state.delayed[key]) return;
  ctx.journal.setDelayed(state, key, { id: item.message.id, nonce: item.nonce, dueAt: item.dueAt, name: item.message.name, ...(item.message.tid !== undefined ? { tid: item.message.tid } : {}), ...(item.queue !== undefined ? { queue: item.queue } : {}), ...(item.lease ? { lease: true } : {}) });
  const extra: Record<string, string | number> = { [H.dueAt]: item.dueAt, [H.nonce]: item.nonce, [H.prior]: item.prior };
  if (item.queue !== undefined) extra[H.target] = item.queue;
  const { content, options } = toAmqp(item.message, extra, item.priority);
  ctx.publishes.push({ ...ctx.carrierRoute(item.dueAt - ctx.now), content, options });
}
