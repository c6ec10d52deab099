import type { LifecycleEvent } from '@wrkr/core/backend';
import type { CountDelta } from './commands';

/** Counts of one turn-window go to the coordinator as one command. */
const FLUSH_MS = 50;
const FIELD = { completed: 0, failed: 1, retrying: 2 } as const;

/**
 * Lifecycle counts on their way to the coordinator, which keeps the counters in its journaled state: a
 * client sums what it counts for FLUSH_MS and sends one `count` command (one journaled batch) for all
 * queues, instead of one command per job. Each counted publish resolves when its batch is answered.
 */
export class CountBatcher {
  #pending = new Map<string, CountDelta>();
  #sent?: Promise<void>;

  constructor(private readonly send: (counts: Record<string, CountDelta>) => Promise<unknown>) {}

  /** True when `event` adds to a counter. */
  static counts(event: LifecycleEvent): boolean {
    return event.kind in FIELD;
  }

  /** Count `events` (each one that `counts`) in the next batch; resolves once the coordinator has them. */
  add(events: readonly LifecycleEvent[], now: number): Promise<void> {
    for (const event of events) {
      const i = FIELD[event.kind as keyof typeof FIELD];
      let d = this.#pending.get(event.queue);
      if (d === undefined) this.#pending.set(event.queue, (d = [0, 0, 0, now]));
      d[i]++;
    }
    this.#sent ??= new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => this.#flush());
    return this.#sent;
  }

  async #flush(): Promise<void> {
    const counts = Object.fromEntries(this.#pending);
    this.#pending = new Map();
    this.#sent = undefined;
    await this.send(counts);
  }
}
