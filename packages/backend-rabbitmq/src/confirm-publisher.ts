import type { ConfirmChannel, Options } from 'amqplib';
import { ClosedError, type Logger } from '@wrkr/core/backend';
import type { ConnectionManager } from './connection';

/** One message to publish with a broker confirm. */
export interface Outbound {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
}

/**
 * Publishes on a confirm channel and resolves only once the broker has confirmed every message,
 * republishing across channel and connection loss (so a resolved publish is durable; a message may be
 * written twice when a confirm is lost, which at-least-once allows). Mandatory messages the broker
 * returned as unroutable are reported back instead of counted as written.
 */
export class ConfirmPublisher {
  #channel: Promise<ConfirmChannel> | undefined;
  #returned = new Map<string, number>();
  #closed = false;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly log: Logger,
  ) {
    conn.on('lost', () => (this.#channel = undefined));
  }

  /** Publish all; resolves with the mandatory messages the broker could not route. */
  async publish(messages: readonly Outbound[]): Promise<Outbound[]> {
    let pending = [...messages];
    const unroutable: Outbound[] = [];
    for (;;) {
      if (this.#closed) throw new ClosedError('rabbitmq backend');
      let ch: ConfirmChannel;
      try {
        ch = await this.#open();
      } catch (err) {
        if (this.#closed || err instanceof ClosedError) throw new ClosedError('rabbitmq backend');
        await delay(50);
        continue;
      }
      const results = await Promise.all(pending.map((m) => this.#publishOne(ch, m)));
      const failed: Outbound[] = [];
      results.forEach((ok, i) => {
        const m = pending[i]!;
        if (!ok) failed.push(m);
        else if (m.options.mandatory && this.#wasReturned(m.options.messageId)) unroutable.push(m);
      });
      if (failed.length === 0) return unroutable;
      this.log.debug({ count: failed.length }, 'publish not confirmed; republishing');
      pending = failed;
      await delay(20);
    }
  }

  /** Stop retrying. */
  close(): void {
    this.#closed = true;
  }

  /** Returns are matched by message id: two messages with one id in flight at once are both resent, which at-least-once allows. */
  #wasReturned(messageId: string | undefined): boolean {
    const key = messageId ?? '';
    const n = this.#returned.get(key);
    if (n === undefined) return false;
    if (n <= 1) this.#returned.delete(key);
    else this.#returned.set(key, n - 1);
    return true;
  }

  #publishOne(ch: ConfirmChannel, m: Outbound): Promise<boolean> {
    return new Promise((resolve) => {
      try {
        ch.publish(m.exchange, m.routingKey, m.content, m.options, (err) => resolve(!err));
      } catch {
        resolve(false);
      }
    });
  }

  #open(): Promise<ConfirmChannel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createConfirmChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'publisher channel error'));
      ch.on('close', () => {
        if (this.#channel === p) this.#channel = undefined;
      });
      ch.on('return', (msg: { properties: { messageId?: string } }) => {
        const key = msg.properties.messageId ?? '';
        this.#returned.set(key, (this.#returned.get(key) ?? 0) + 1);
      });
      return ch;
    })();
    this.#channel = p;
    p.catch(() => {
      if (this.#channel === p) this.#channel = undefined;
    });
    return p;
  }
}

/** Resolve after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
