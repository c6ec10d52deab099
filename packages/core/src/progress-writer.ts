import { MAX_PROGRESS_CHARS } from './backend-input';
import type { Backend, LeaseRef } from './contract';
import { ValidationError } from './errors';
import type { Logger } from './logger';

/** Fewest ms between two progress writes of one delivery, so a tight loop does not flood the backend. */
export const PROGRESS_WRITE_MS = 250;

/** Where a delivery's progress goes: stored (`setProgress`), and/or as `progress` lifecycle events. */
export interface ProgressSinks {
  /** Store it (the backend has `progress`). */
  readonly store: boolean;
  /** Tell the queue's watchers (the backend has `lifecycleEvents`); never throws. */
  readonly publish?: (text: string) => void;
}

/**
 * One delivery's `ctx.progress` values, throttled for both the store and the lifecycle watchers (each is a
 * backend write): the first value goes out at once, later ones at most every PROGRESS_WRITE_MS, each write
 * carrying the newest value; `flush` sends the last one when the handler ends. Stores never overlap, and a
 * failed store is logged, never thrown at the handler.
 */
export class ProgressWriter {
  private pending?: string;
  private lastWriteAt = 0;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly backend: Backend,
    private readonly ref: LeaseRef,
    private readonly log: () => Logger,
    private readonly sinks: ProgressSinks,
  ) {}

  /**
   * Validate and queue a value (the newest replaces one not written yet). A value that is not JSON or too
   * long throws a ValidationError where it would be stored; where it would only be published, it is skipped.
   */
  report(value: unknown): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    const invalid = text === undefined ? 'must be a number or a JSON value' : text.length > MAX_PROGRESS_CHARS ? `is ${text.length} characters of JSON; at most ${MAX_PROGRESS_CHARS}` : undefined;
    if (invalid !== undefined) {
      if (this.sinks.store) throw new ValidationError('progress', invalid);
      return;
    }
    this.pending = text;
    if (this.timer) return;
    const wait = this.lastWriteAt + PROGRESS_WRITE_MS - Date.now();
    if (wait <= 0) this.write();
    else {
      this.timer = setTimeout(() => this.write(), wait);
      this.timer.unref();
    }
  }

  /** Write the value not written yet, if any, and stop the timer. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending !== undefined) this.write();
    await this.writing;
  }

  private write(): void {
    this.timer = undefined;
    const text = this.pending;
    if (text === undefined) return;
    this.pending = undefined;
    this.lastWriteAt = Date.now();
    this.sinks.publish?.(text);
    if (!this.sinks.store) return;
    this.writing = this.writing.then(async () => {
      try {
        await this.backend.setProgress(this.ref, text);
      } catch (err) {
        this.log().warn({ err }, 'storing progress failed');
      }
    });
  }
}
