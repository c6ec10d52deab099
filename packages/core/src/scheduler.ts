import type { Backend, Message, ScheduleRecord } from './contract';
import { rebind, type BoundFields, type Codec } from './codec';
import { NotFoundError, ValidationError } from './errors';
import type { EventInput, Headers, Published } from './event';
import { published, type EventEncoder } from './event-encoder';
import { newId } from './ids';
import type { Logger } from './logger';
import { nextOccurrence, parseScheduleRule, type ScheduleRuleInput, type StoredRule } from './schedule-rule';
import { traceOccurrence, traceProduce, traceScheduleOrigin } from './tracing';
import { assertKnownKeys, isPlainObject } from './validation';

/** Header naming the schedule an event was published by. */
export const SCHEDULE_HEADER = 'wrkr-schedule';
/** Header marking an occurrence published outside its series by `trigger()` (value `manual`). */
export const TRIGGER_HEADER = 'wrkr-trigger';

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

/**
 * The message an occurrence publishes. A series occurrence's id is fixed by schedule and time, so a
 * retried fire cannot duplicate it; a manual one is a new event, marked so handlers can tell.
 */
export function occurrenceMessage(codec: Codec, record: ScheduleRecord, runAt: number, trigger: 'series' | 'manual' = 'series'): Message {
  const manual = trigger === 'manual';
  const bound = {
    id: manual ? newId() : `sched.${record.name}.${runAt}`,
    name: record.event.name,
    ...(record.event.tid !== undefined ? { tid: record.event.tid } : {}),
    headers: { ...(record.event.headers ?? {}), [SCHEDULE_HEADER]: record.name, ...(manual ? { [TRIGGER_HEADER]: 'manual' } : {}) },
  };
  // The stored body is bound to the template; each occurrence is its own event, so it is re-bound to it.
  const body = rebind(codec, record.event.body, templateFields(record), bound);
  return { ...bound, ...(body !== undefined ? { body } : {}), publishedAt: runAt };
}

/** What a schedule's stored body is bound to: the template event `ScheduleAdmin.upsert` encoded. */
function templateFields(r: ScheduleRecord): BoundFields {
  return { id: TEMPLATE_ID, name: r.event.name, ...(r.event.tid !== undefined ? { tid: r.event.tid } : {}), ...(r.event.headers !== undefined ? { headers: r.event.headers } : {}) };
}

const TEMPLATE_ID = 'template';

/**
 * Wrkr's schedule methods behind the started and capability checks: validates and stores records,
 * publishes manual occurrences and pokes this process's Scheduler (if it runs one) after each change.
 */
export class ScheduleAdmin {
  constructor(
    private readonly backend: Backend,
    private readonly codec: Codec,
    private readonly encoder: EventEncoder,
    private readonly scheduler: Scheduler | undefined,
  ) {}

  /** Create or replace schedule `name`; an existing one keeps its paused state (unless `active` says) and last run. */
  async upsert(name: string, rule: ScheduleRuleInput, event: Omit<EventInput, 'when' | 'id'>, options: { active?: boolean }): Promise<ScheduleInfo> {
    assertKnownKeys(options, ['active'], 'options');
    const stored = parseScheduleRule(rule);
    if (!isPlainObject(event)) throw new ValidationError('event', 'must be an object');
    assertKnownKeys(event, ['name', 'tid', 'data', 'headers'], 'event');
    const [item] = this.encoder.toOutgoing({ ...event, id: TEMPLATE_ID }, 'event');
    const headers = traceScheduleOrigin(item!.message.headers);
    const existing = await this.backend.getSchedule(name);
    const now = Date.now();
    const record: ScheduleRecord = {
      name,
      rule: stored,
      event: {
        name: item!.message.name,
        ...(item!.message.tid !== undefined ? { tid: item!.message.tid } : {}),
        ...(headers !== undefined ? { headers } : {}),
        ...(item!.message.body !== undefined ? { body: item!.message.body } : {}),
      },
      active: options.active ?? existing?.active ?? true,
      nextRunAt: nextOccurrence(stored, now),
      ...(existing?.lastRunAt !== undefined ? { lastRunAt: existing.lastRunAt } : {}),
      updatedAt: Math.max(now, (existing?.updatedAt ?? 0) + 1),
    };
    await this.backend.upsertSchedule(record);
    this.scheduler?.poke();
    return toScheduleInfo(this.codec, record);
  }

  /** Remove a schedule; false when there was none. */
  async remove(name: string): Promise<boolean> {
    const removed = await this.backend.removeSchedule(name);
    this.scheduler?.poke();
    return removed;
  }

  /** Pause or resume a schedule; resuming restarts its series from now. */
  async setActive(name: string, active: boolean): Promise<ScheduleInfo> {
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
    return toScheduleInfo(this.codec, record);
  }

  /** Publish a schedule's event now, outside its series. */
  async trigger(name: string): Promise<Published> {
    const record = await this.backend.getSchedule(name);
    if (!record) throw new NotFoundError('schedule', name);
    const message = occurrenceMessage(this.codec, record, Date.now(), 'manual');
    await traceProduce(this.backend.name, 'publish', undefined, [{ message }], (traced) => this.backend.publish(traced));
    return published([{ message }], [])[0]!;
  }

  /** One schedule, or undefined. */
  async get(name: string): Promise<ScheduleInfo | undefined> {
    const record = await this.backend.getSchedule(name);
    return record && toScheduleInfo(this.codec, record);
  }

  /** Every schedule. */
  async list(): Promise<ScheduleInfo[]> {
    return (await this.backend.listSchedules()).map((r) => toScheduleInfo(this.codec, r));
  }
}

/** A stored record as users see it; data that no longer decodes (a key removed) is left out rather than failing the listing. */
function toScheduleInfo(codec: Codec, r: ScheduleRecord): ScheduleInfo {
  let data: unknown;
  try {
    data = codec.decode(r.event.body, templateFields(r));
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

/**
 * Fires recurring schedules. Every process runs one; the backend's compare-and-set in `fireSchedule`
 * makes each occurrence fire once. A timer is armed for the earliest known occurrence so firing is
 * precise, and the list is re-read every `pollMs` to see schedules changed by other processes.
 */
export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running = false;
  private ticking?: Promise<void>;
  private again = false;

  constructor(
    private readonly backend: Backend,
    private readonly codec: Codec,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  /** Start firing. */
  start(): void {
    this.running = true;
    this.poke();
  }

  /** Re-read schedules now (after a local change). */
  poke(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  /** Stop firing; waits for a fire in progress. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  private async tick(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    let wait = this.pollMs;
    try {
      const now = Date.now();
      for (const record of await this.backend.listSchedules()) {
        if (!this.running) return;
        if (!record.active) continue;
        const due = record.nextRunAt <= now ? await this.fire(record, now) : record.nextRunAt;
        wait = Math.min(wait, due - now);
      }
    } catch (err) {
      this.log.error({ err }, 'schedule check failed; retrying');
    }
    if (!this.running) return;
    this.timer = setTimeout(() => this.poke(), Math.max(0, wait));
    this.timer.unref();
  }

  /** Fire the due occurrence (if no other process did) and return the next one. */
  private async fire(record: ScheduleRecord, now: number): Promise<number> {
    // Missed occurrences (no process was running) collapse into this one fire; the series keeps its phase.
    const next = nextOccurrence(record.rule, now, record.nextRunAt);
    const fired = await traceOccurrence(this.backend.name, occurrenceMessage(this.codec, record, record.nextRunAt), (message) =>
      this.backend.fireSchedule(record.name, { runAt: record.nextRunAt, updatedAt: record.updatedAt }, next, message),
    );
    if (fired) this.log.info({ schedule: record.name, runAt: record.nextRunAt, nextRunAt: next }, 'schedule fired');
    return next;
  }
}
