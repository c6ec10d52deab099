/**
 * An abort source whose AbortSignal is only created when a handler reads it: creating an
 * AbortController and listening to it costs more than the rest of a delivery's bookkeeping, and most
 * handlers never look at their signal.
 */
export class LazyAbort {
  private controller?: AbortController;
  private reasonValue: unknown;
  private abortedFlag = false;
  private listener?: (reason: unknown) => void;

  /** The signal (created on first read, already aborted if abort came first). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedFlag) this.controller.abort(this.reasonValue);
    }
    return this.controller.signal;
  }

  /** True once aborted. */
  get aborted(): boolean {
    return this.abortedFlag;
  }

  /** Why it was aborted. */
  get reason(): unknown {
    return this.reasonValue;
  }

  /** Call `fn` once on abort (one listener: the consumer's own). */
  onAbort(fn: ((reason: unknown) => void) | undefined): void {
    this.listener = fn;
  }

  /** Abort with `reason` (first call wins). */
  abort(reason: unknown): void {
    if (this.abortedFlag) return;
    this.abortedFlag = true;
    this.reasonValue = reason;
    this.controller?.abort(reason);
    this.listener?.(reason);
  }
}
