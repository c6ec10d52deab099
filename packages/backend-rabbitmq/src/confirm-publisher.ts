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
      const results = await publishConfirmed(ch, pending);
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

/**
 * Publish every message on `ch`; resolves once the broker answered each, with whether it confirmed it
 * (false for a nack, or a publish the closed channel refused). One promise for the whole batch, not
 * one per message: the batch is what the caller waits for.
 */
function publishConfirmed(ch: ConfirmChannel, messages: readonly Outbound[]): Promise<boolean[]> {
  return new Promise((resolve) => {
    const ok = new Array<boolean>(messages.length);
    let left = messages.length;
    const answer = (i: number, confirmed: boolean): void => {
      // A publish that threw may still have its callback called when the channel closes: count it once.
      if (ok[i] !== undefined) return;
      ok[i] = confirmed;
      if (--left === 0) resolve(ok);
    };
    if (left === 0) resolve(ok);
    messages.forEach((m, i) => {
      try {
        ch.publish(m.exchange, m.routingKey, m.content, m.options, (err) => answer(i, !err));
      } catch {
        answer(i, false);
      }
    });
  });
}

/** Resolve after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
