import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '@wrkr/core';

/**
 * A claim's registration for wake-ups. Taken before the claim script runs, so an announcement that
 * arrives while the script is in flight is not lost.
 */
export interface WakeTicket {
  /** True once the queue was announced (or everything was woken) since the ticket was taken. */
  readonly woken: boolean;
  /** Resolve at `until` (epoch ms), on a wake-up, or on abort, whichever is first. */
  wait(until: number, signal?: AbortSignal): Promise<void>;
  /** Stop receiving wake-ups. */
  release(): void;
}

class Ticket implements WakeTicket {
  woken = false;
  private resolve?: () => void;

  constructor(private readonly onRelease: (t: Ticket) => void) {}

  wake(): void {
    this.woken = true;
    this.resolve?.();
  }

  wait(until: number, signal?: AbortSignal): Promise<void> {
    if (this.woken || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.resolve = undefined;
        resolve();
      };
      // A local timer, not a blocking-command timeout: Redis checks those only every 1/hz seconds.
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      signal?.addEventListener('abort', done, { once: true });
      this.resolve = done;
    });
  }

  release(): void {
    this.onRelease(this);
  }
}

/**
 * Wake-ups for waiting claims over one pub/sub connection: scripts PUBLISH the name of every queue that
 * got work (or `*` when the earliest delayed publish moved earlier). A watchdog pings the connection and
 * forces a reconnect when it stops answering, and every (re)subscription wakes all waiters, so an
 * announcement lost while disconnected never leaves a consumer parked.
 */
export class WakeHub {
  private readonly tickets = new Map<string, Set<Ticket>>();
  private watchdog?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly sub: Redis | Cluster,
    private readonly channel: string,
    private readonly log: Logger,
    private readonly watchdogMs: number,
  ) {}

  /** Subscribe and start the watchdog (idempotent: a retried start only re-subscribes). */
  async start(): Promise<void> {
    if (this.watchdog) {
      await this.sub.subscribe(this.channel);
      return;
    }
    this.sub.on('message', (channel: string, queue: string) => {
      if (channel !== this.channel) return;
      if (queue === '*') this.wakeAll();
      else this.wakeQueue(queue);
    });
    this.sub.on('ready', () => {
      // ioredis re-subscribes on its own, but only our own confirmed SUBSCRIBE says when it is safe to
      // re-check: everything announced before it may have been missed.
      this.sub.subscribe(this.channel).then(
        () => this.wakeAll(),
        (err: unknown) => this.log.warn({ err }, 'redis wake channel re-subscribe failed'),
      );
    });
    this.watchdog = setInterval(() => void this.check(), this.watchdogMs);
    this.watchdog.unref();
    await this.sub.subscribe(this.channel);
  }

  /** Register for wake-ups of `queue`. */
  ticket(queue: string): WakeTicket {
    let set = this.tickets.get(queue);
    if (!set) this.tickets.set(queue, (set = new Set()));
    const t = new Ticket((x) => {
      set.delete(x);
      if (set.size === 0 && this.tickets.get(queue) === set) this.tickets.delete(queue);
    });
    set.add(t);
    return t;
  }

  /** Wake every waiter (they re-check their queues). */
  wakeAll(): void {
    for (const set of this.tickets.values()) for (const t of set) t.wake();
  }

  /** Stop the watchdog and wake everyone so pending claims finish. */
  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    this.wakeAll();
  }

  private wakeQueue(queue: string): void {
    const set = this.tickets.get(queue);
    if (set) for (const t of set) t.wake();
  }

  private async check(): Promise<void> {
    if (this.closed || this.sub.status !== 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.watchdogMs)));
    try {
      const answer = await Promise.race([this.sub.ping(), timeout]);
      if (answer === 'timeout' && !this.closed) {
        this.log.warn('redis wake connection stopped answering; reconnecting');
        this.sub.disconnect(true);
      }
    } catch (err) {
      this.log.debug({ err }, 'redis wake connection ping failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
