import type { Cluster, Redis } from 'ioredis';
import { WakeTickets, type Logger, type WakeTicket } from '@wrkr/core/backend';
import { errorInfo } from './error-info';

/**
 * Wake-ups for waiting claims over one pub/sub connection: scripts PUBLISH the name of every queue that
 * got work (or `*` when the earliest delayed publish moved earlier). A watchdog pings the connection and
 * forces a reconnect when it stops answering, and every (re)subscription wakes all waiters, so an
 * announcement lost while disconnected never leaves a consumer parked.
 */
export class WakeHub {
  private readonly tickets = new WakeTickets();
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
      else this.tickets.wake(queue);
    });
    this.sub.on('ready', () => {
      // ioredis re-subscribes on its own, but only our own confirmed SUBSCRIBE says when it is safe to
      // re-check: everything announced before it may have been missed.
      this.sub.subscribe(this.channel).then(
        () => this.wakeAll(),
        (err: unknown) => this.log.warn({ err: errorInfo(err) }, 'redis wake channel re-subscribe failed'),
      );
    });
    this.watchdog = setInterval(() => void this.check(), this.watchdogMs);
    this.watchdog.unref();
    await this.sub.subscribe(this.channel);
  }

  /** Register for wake-ups of `queue`. */
  ticket(queue: string): WakeTicket {
    return this.tickets.ticket(queue);
  }

  /** Wake every waiter (they re-check their queues). */
  wakeAll(): void {
    this.tickets.wakeAll();
  }

  /** Stop the watchdog and wake everyone so pending claims finish. */
  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    this.wakeAll();
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
      this.log.debug({ err: errorInfo(err) }, 'redis wake connection ping failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
