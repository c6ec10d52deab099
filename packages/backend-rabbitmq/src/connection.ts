import { EventEmitter } from 'node:events';
import { connect, type ChannelModel } from 'amqplib';
import { BackendError, ClosedError, maskUrl, type Logger } from '@wrkr/core/backend';

const FIRST_DELAY_MS = 50;
const MAX_DELAY_MS = 2_000;

/**
 * One AMQP connection that comes back by itself: after the broker closes it (close_connection, restart,
 * network loss) it reconnects with capped backoff and emits `connected` again so every part of the
 * backend re-creates its channels and consumers. Emits `lost` when the connection drops.
 */
export class ConnectionManager extends EventEmitter {
  #model: ChannelModel | undefined;
  #waiters: Array<{ resolve: (m: ChannelModel) => void; reject: (e: Error) => void }> = [];
  #closed = false;
  #generation = 0;

  constructor(
    private readonly url: string,
    private readonly connectionName: string,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Connect for the first time; rejects when the broker cannot be reached. */
  async start(): Promise<void> {
    try {
      await this.#open();
    } catch (err) {
      throw new BackendError(maskUrl(`cannot connect to RabbitMQ at ${this.url}: ${(err as Error).message}`), { cause: err });
    }
  }

  /** Increases on every (re)connect; lets holders of channel-bound state tell old from new. */
  get generation(): number {
    return this.#generation;
  }

  /** The live connection, if any. */
  get current(): ChannelModel | undefined {
    return this.#model;
  }

  /** The live connection, waiting for a reconnect when there is none. */
  ready(): Promise<ChannelModel> {
    if (this.#closed) return Promise.reject(new ClosedError('rabbitmq backend'));
    if (this.#model) return Promise.resolve(this.#model);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Close for good. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const model = this.#model;
    this.#model = undefined;
    for (const w of this.#waiters.splice(0)) w.reject(new ClosedError('rabbitmq backend'));
    if (model) await model.close().catch(() => undefined);
  }

  async #open(): Promise<void> {
    const model: ChannelModel = await connect(this.url, { clientProperties: { connection_name: this.connectionName } } as Parameters<typeof connect>[1] & object);
    if (this.#closed) {
      await model.close().catch(() => undefined);
      return;
    }
    model.on('error', (err: Error) => this.log.warn({ err: maskUrl(err.message) }, 'rabbitmq connection error'));
    model.on('close', () => {
      if (this.#model !== model) return;
      this.#model = undefined;
      if (this.#closed) return;
      this.log.warn('rabbitmq connection lost; reconnecting');
      this.emit('lost');
      void this.#reconnect();
    });
    this.#model = model;
    this.#generation++;
    for (const w of this.#waiters.splice(0)) w.resolve(model);
    this.emit('connected', model, this.#generation);
  }

  async #reconnect(): Promise<void> {
    let delay = FIRST_DELAY_MS;
    while (!this.#closed) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.#closed) return;
      try {
        await this.#open();
        this.log.info('rabbitmq connection restored');
        return;
      } catch (err) {
        this.log.debug({ err: maskUrl((err as Error).message) }, 'rabbitmq reconnect failed; retrying');
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    }
  }
}
