import type { Logger } from '@wrkr/core/backend';
import type { Channel } from 'amqplib';
import type { ConnectionManager } from './connection';

/**
 * A plain channel opened on first use, and opened again on the next use after the broker closed it (a
 * failed declaration or passive check closes an AMQP channel) or the connection was lost.
 */
export class ReopeningChannel {
  #channel: Promise<Channel> | undefined;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly log: Logger,
    /** What the channel is for, in the log line of its closing. */
    private readonly what: string,
  ) {
    conn.on('lost', () => {
      this.#channel = undefined;
    });
  }

  /** The open channel, or a new one. */
  get(): Promise<Channel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => this.log.debug({ err: err.message }, `${this.what} channel closed by the broker`));
      ch.on('close', () => {
        if (this.#channel === p) this.#channel = undefined;
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
