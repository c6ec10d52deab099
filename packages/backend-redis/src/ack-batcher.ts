import type { KeepCompleted, LeaseRef } from '@wrkr/core/backend';

/** One ack: its lease, and what to keep of the completed item (if anything). */
export interface AckRequest {
  readonly ref: LeaseRef;
  readonly keep?: KeepCompleted;
}

interface Pending extends AckRequest {
  readonly resolve: (acked: boolean) => void;
  readonly reject: (err: unknown) => void;
}

// Bounds one script call; a larger burst simply takes several calls.
const MAX_BATCH = 1000;

/**
 * Coalesces the acks issued in one tick (a consumer finishing many handlers at once) into one script
 * call. Each ack keeps its own result; the batch is applied atomically, which is stronger than needed.
 */
export class AckBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly flushBatch: (acks: readonly AckRequest[]) => Promise<number[]>) {}

  /** Queue one ack; resolves with whether the token still held the lease. */
  ack(ref: LeaseRef, keep?: KeepCompleted): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ ref, ...(keep !== undefined && { keep }), resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) {
      const batch = all.slice(i, i + MAX_BATCH);
      this.flushBatch(batch).then(
        (results) => batch.forEach((p, k) => p.resolve(results[k] === 1)),
        (err: unknown) => batch.forEach((p) => p.reject(err)),
      );
    }
  }
}
