import type { Backend, Message, ScheduleRecord } from './contract';
import type { Logger } from './logger';
import { nextOccurrence } from './schedule-rule';

/** The message an occurrence publishes; its id is fixed by schedule and time, so a retried fire cannot duplicate it. */
export function occurrenceMessage(record: ScheduleRecord, runAt: number): Message {
  return {
    id: `sched.${record.name}.${runAt}`,
    name: record.event.name,
    ...(record.event.tid !== undefined ? { tid: record.event.tid } : {}),
    headers: { ...(record.event.headers ?? {}), 'wrkr-schedule': record.name },
    ...(record.event.body !== undefined ? { body: record.event.body } : {}),
    publishedAt: runAt,
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
    const fired = await this.backend.fireSchedule(
      record.name,
      { runAt: record.nextRunAt, updatedAt: record.updatedAt },
      next,
      occurrenceMessage(record, record.nextRunAt),
    );
    if (fired) this.log.info({ schedule: record.name, runAt: record.nextRunAt, next }, 'schedule fired');
    return next;
  }
}
