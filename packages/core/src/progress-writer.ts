import { MAX_PROGRESS_CHARS } from './backend-input';
import type { Backend, LeaseRef } from './contract';
import { ValidationError } from './errors';
import type { Logger } from './logger';

/** Fewest ms between two progress writes of one delivery, so a tight loop does not flood the backend. */
export const PROGRESS_WRITE_MS = 250;

/**
 * Stores one delivery's `ctx.progress` values, throttled: the first value is written at once, later
 * ones at most every PROGRESS_WRITE_MS, each write carrying the newest value; `flush` writes the last
 * one when the handler ends. Writes never overlap, and a failed write is logged, never thrown at the
 * handler.
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
  ) {}

  /** Validate and queue a value (the newest replaces one not written yet). */
  report(value: unknown): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    if (text === undefined) throw new ValidationError('progress', 'must be a number or a JSON value');
    if (text.length > MAX_PROGRESS_CHARS) throw new ValidationError('progress', `is ${text.length} characters of JSON; at most ${MAX_PROGRESS_CHARS}`);
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
    this.writing = this.writing.then(async () => {
      try {
        await this.backend.setProgress(this.ref, text);
      } catch (err) {
        this.log().warn({ err }, 'storing progress failed');
      }
    });
  }
}
