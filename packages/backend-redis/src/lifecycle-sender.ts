import type { LifecycleEvent, Logger } from '@wrkr/core/backend';
import { errorInfo } from './error-info';

/** Runs `lifecycle.lua` with the given arguments (after the namespace) and returns its reply. */
export type LifecycleScript = (args: ReadonlyArray<string | number>) => Promise<unknown>;

/** The counter a lifecycle event adds one to ('' for none), as the lifecycle script takes it. */
const COUNTED: Readonly<Record<LifecycleEvent['kind'], '' | 'completed' | 'failed' | 'retried'>> = {
  active: '', progress: '', completed: 'completed', failed: 'failed', retrying: 'retried',
};

/**
 * Sends lifecycle batches to `lifecycle.lua`, encoding and shipping events only for queues somebody
 * watches. Most queues have no watcher, and encoding and shipping two JSON events per job was the largest
 * single client cost of a job (bench/lifecycle.js: 0.70× of the capability masked off), so a queue starts quiet: its batch sends three counts, and the script
 * answers which quiet queues have a subscriber on their channel right now (PUBSUB NUMSUB, inside the
 * same atomic call). Those queues' events are then sent again, uncounted, and the queue stays watched
 * until a batch's PUBLISHes reach nobody. A watcher subscribed before a call runs therefore gets that
 * call's events, as with a PUBLISH every time; calls run one after another, so a client's events reach a
 * watcher in the order it published them. On a Cluster, NUMSUB sees one node's subscribers only, so every
 * queue is treated as watched there (`exact` false).
 */
export class LifecycleSender {
  readonly #watched = new Set<string>();
  #gathered: LifecycleEvent[] = [];
  #waiting: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  #sending = false;

  constructor(
    private readonly script: LifecycleScript,
    private readonly exact: boolean,
    private readonly log: Logger,
  ) {}

  /**
   * Count and publish `events`; resolves once the counts are stored. One call is in flight at a time:
   * batches handed over meanwhile go together in the next, so a slow server delays counts by a round
   * trip instead of queueing calls.
   */
  send(events: readonly LifecycleEvent[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      for (const event of events) this.#gathered.push(event);
      this.#waiting.push({ resolve, reject });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    while (this.#waiting.length > 0) {
      const events = this.#gathered;
      const waiting = this.#waiting;
      this.#gathered = [];
      this.#waiting = [];
      try {
        await this.#send(events);
        for (const w of waiting) w.resolve();
      } catch (err) {
        for (const w of waiting) w.reject(err);
      }
    }
    this.#sending = false;
  }

  async #send(events: readonly LifecycleEvent[]): Promise<void> {
    const quiet = new Map<string, [number, number, number]>();
    const loud: LifecycleEvent[] = [];
    for (const event of events) {
      if (!this.exact || this.#watched.has(event.queue)) {
        loud.push(event);
        continue;
      }
      let counts = quiet.get(event.queue);
      if (counts === undefined) quiet.set(event.queue, (counts = [0, 0, 0]));
      const field = COUNTED[event.kind];
      if (field !== '') counts[field === 'completed' ? 0 : field === 'failed' ? 1 : 2]++;
    }
    const args: Array<string | number> = [Date.now(), quiet.size];
    for (const [queue, counts] of quiet) args.push(queue, ...counts);
    for (const event of loud) args.push(event.queue, COUNTED[event.kind], JSON.stringify(event));
    const [watched, unwatched] = (await this.script(args)) as [string[], string[]];
    this.#forget(unwatched);
    if (watched.length === 0) return;
    const found = new Set(watched);
    for (const queue of found) this.#watched.add(queue);
    // Counted already (field ''): sent now so the watchers found get them.
    const resend: Array<string | number> = [Date.now(), 0];
    for (const event of events) if (found.has(event.queue)) resend.push(event.queue, '', JSON.stringify(event));
    try {
      this.#forget(((await this.script(resend)) as [string[], string[]])[1]);
    } catch (err) {
      // The counts are durable already, which is what the call promises; notifications are best-effort.
      this.log.debug({ err: errorInfo(err), queues: watched }, 'redis lifecycle events not published');
    }
  }

  #forget(unwatched: readonly string[]): void {
    if (this.exact) for (const queue of unwatched) this.#watched.delete(queue);
  }
}
