import type { Channel } from 'amqplib';
import { BackendError, ClosedError, type Logger } from '@wrkr/core/backend';
import { QueueArgumentsError, type QueueArgumentsInfo } from './queue-arguments-error';
import { COMMAND_TYPE, type Command } from './commands';
import type { ConnectionManager } from './connection';
import { randomToken } from './ids';
import type { Names } from './names';

const REPLY_TO = 'amq.rabbitmq.reply-to';
const RESEND_MS = 5_000;

interface Pending {
  readonly cmd: Command;
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: Error) => void;
  sentOn?: Channel;
  sentAt?: number;
}

/**
 * Sends commands to the namespace's coordinator and waits for its answer, over RabbitMQ's built-in
 * direct reply-to. A command whose channel was lost before the answer came is sent again with the same
 * id; the coordinator remembers recent answers by id, so a resent command is never applied twice.
 */
export class CommandClient {
  #channel: Promise<Channel> | undefined;
  #pending = new Map<string, Pending>();
  #closed = false;
  #timer: NodeJS.Timeout;

  constructor(
    private readonly conn: ConnectionManager,
    private readonly names: Names,
    private readonly log: Logger,
  ) {
    conn.on('connected', () => this.#resendAll());
    // A command can also be lost without the channel closing (the broker restarted between publish and
    // delivery), so unanswered ones are sent again now and then.
    this.#timer = setInterval(() => this.#resendAll(true), RESEND_MS);
    this.#timer.unref();
  }

  /** Execute a command on the coordinator. */
  call<T>(cmd: Command): Promise<T> {
    if (this.#closed) return Promise.reject(new ClosedError('rabbitmq backend'));
    const id = randomToken();
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { cmd, resolve: resolve as (v: unknown) => void, reject });
      void this.#send(id);
    });
  }

  /** Fail every waiting call. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    for (const p of this.#pending.values()) p.reject(new ClosedError('rabbitmq backend'));
    this.#pending.clear();
  }

  #resendAll(onlyStale = false): void {
    const before = Date.now() - RESEND_MS;
    for (const [id, p] of this.#pending) {
      if (onlyStale && (p.sentAt ?? 0) > before) continue;
      void this.#send(id);
    }
  }

  async #send(id: string): Promise<void> {
    const p = this.#pending.get(id);
    if (!p) return;
    try {
      const ch = await this.#open();
      if (!this.#pending.has(id)) return;
      p.sentOn = ch;
      p.sentAt = Date.now();
      ch.sendToQueue(this.names.commands, Buffer.from(JSON.stringify(p.cmd)), { correlationId: id, replyTo: REPLY_TO, type: COMMAND_TYPE });
    } catch (err) {
      if (this.#closed) return;
      this.log.debug({ err: (err as Error).message }, 'command not sent; will resend after reconnect');
    }
  }

  #onReply(correlationId: string, content: Buffer): void {
    const p = this.#pending.get(correlationId);
    if (!p) return;
    this.#pending.delete(correlationId);
    const body = JSON.parse(content.toString('utf8')) as { ok?: unknown; error?: string; queueArguments?: QueueArgumentsInfo };
    if (body.queueArguments !== undefined) p.reject(new QueueArgumentsError(body.queueArguments));
    else if (body.error !== undefined) p.reject(new BackendError(`coordinator: ${body.error}`));
    else p.resolve(body.ok);
  }

  #open(): Promise<Channel> {
    if (this.#channel) return this.#channel;
    const p = (async () => {
      const model = await this.conn.ready();
      const ch = await model.createChannel();
      ch.on('error', (err: Error) => this.log.warn({ err: err.message }, 'command channel error'));
      ch.on('close', () => {
        if (this.#channel !== p) return;
        this.#channel = undefined;
        for (const pending of this.#pending.values()) if (pending.sentOn === ch) pending.sentOn = undefined;
        if (!this.#closed && this.conn.current) setTimeout(() => this.#resendAll(), 50);
      });
      await ch.consume(REPLY_TO, (msg) => msg && this.#onReply(String(msg.properties.correlationId), msg.content), { noAck: true });
      return ch;
    })();
    this.#channel = p;
    p.catch(() => {
      if (this.#channel === p) this.#channel = undefined;
    });
    return p;
  }
}
