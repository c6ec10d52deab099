import type { Cluster, Redis } from 'ioredis';
import type { LifecycleEvent, LifecycleListener, LifecycleSubscription, Logger } from '@wrkr/core/backend';
import { errorInfo } from './error-info';

/**
 * Lifecycle watchers of one client over its pub/sub connection (the wake-up one): one channel per
 * watched queue, `{ns}:ev:<queue>`, subscribed while at least one watcher of the queue is open. Pub/sub
 * is fire-and-forget, which is what the contract promises: a watcher disconnected at PUBLISH time
 * misses the event (ioredis re-subscribes on reconnect).
 */
export class LifecycleChannels {
  readonly #byChannel = new Map<string, Set<LifecycleListener>>();
  #listening = false;

  constructor(
    private readonly sub: Redis | Cluster,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  /** Channel of a queue's events (the lifecycle script publishes on the same name). */
  channel(queue: string): string {
    return `${this.prefix}ev:${queue}`;
  }

  /** Add a watcher; resolves once the channel's SUBSCRIBE is confirmed. */
  async watch(queue: string, listener: LifecycleListener): Promise<LifecycleSubscription> {
    this.#listen();
    const channel = this.channel(queue);
    let set = this.#byChannel.get(channel);
    if (set === undefined) this.#byChannel.set(channel, (set = new Set()));
    set.add(listener);
    try {
      await this.sub.subscribe(channel);
    } catch (err) {
      await this.#remove(channel, listener);
      throw err;
    }
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        await this.#remove(channel, listener);
      },
    };
  }

  /** Forget every watcher (the connection is closing). */
  clear(): void {
    this.#byChannel.clear();
  }

  async #remove(channel: string, listener: LifecycleListener): Promise<void> {
    const set = this.#byChannel.get(channel);
    if (set === undefined || !set.delete(listener) || set.size > 0) return;
    this.#byChannel.delete(channel);
    if (this.sub.status !== 'ready') return;
    await this.sub.unsubscribe(channel).catch((err: unknown) => this.log.debug({ err: errorInfo(err) }, 'redis lifecycle unsubscribe failed'));
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    this.sub.on('message', (channel: string, text: string) => {
      const set = this.#byChannel.get(channel);
      if (set === undefined) return;
      let event: LifecycleEvent;
      try {
        event = JSON.parse(text) as LifecycleEvent;
      } catch (err) {
        this.log.warn({ err: errorInfo(err), channel }, 'undecodable lifecycle event skipped');
        return;
      }
      for (const listener of [...set]) {
        try {
          listener(set.size > 1 ? (JSON.parse(text) as LifecycleEvent) : event);
        } catch (err) {
          // A listener's error must not reach ioredis's event loop (and the wake-up listener after it).
          this.log.warn({ err: errorInfo(err) }, 'lifecycle listener threw');
        }
      }
    });
  }
}
