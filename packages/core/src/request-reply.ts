import type { Backend, Message } from './contract';
import type { Codec } from './codec';
import { ClosedError, RemoteError, TimeoutError } from './errors';
import type { WrkrEvent } from './event';
import { newId } from './ids';
import type { Logger } from './logger';
import { toFailureInfo } from './wrkr-events';

/** Header naming the queue a reply goes to. */
export const REPLY_TO_HEADER = 'wrkr-reply-to';
/** Header carrying the request id a reply answers. */
export const CORRELATION_HEADER = 'wrkr-correlation-id';
/** Event name of replies. */
export const REPLY_EVENT = 'wrkr.reply';

type ReplyBody = { ok: true; value?: unknown } | { ok: false; error: { message: string; name?: string; code?: string } };

/** Send a handler's outcome back to the requester named in the event's headers (no-op for plain events). */
export async function sendReply(
  backend: Backend,
  codec: Codec,
  event: WrkrEvent,
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown },
): Promise<void> {
  const replyTo = event.headers[REPLY_TO_HEADER];
  if (replyTo === undefined) return;
  let body: ReplyBody;
  if (outcome.ok) body = outcome.value === undefined ? { ok: true } : { ok: true, value: outcome.value };
  else {
    const { message, name, code } = toFailureInfo(outcome.error);
    body = { ok: false, error: { message, ...(name ? { name } : {}), ...(code ? { code } : {}) } };
  }
  const bound = { id: newId(), name: REPLY_EVENT, headers: { [CORRELATION_HEADER]: event.id } };
  const message: Message = { ...bound, body: codec.encode(body, bound, 'reply')!, publishedAt: Date.now() };
  await backend.send(replyTo, [{ message }]);
}

/**
 * The requester's side: a private reply queue per process, consumed by a tight claim loop, and a table
 * of pending requests resolved by correlation id.
 */
export class ReplyInbox {
  /** The queue replies are sent to. */
  readonly queue: string;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly backend: Backend,
    private readonly codec: Codec,
    private readonly log: Logger,
    instanceId: string,
  ) {
    this.queue = `wrkr.reply.${instanceId}`;
  }

  /** Wait for the reply to request `id`; rejects with TimeoutError after `timeoutMs`. */
  expect(id: string, timeoutMs: number): Promise<unknown> {
    this.loop ??= this.run();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(`request ${id}`, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  /** Forget a request whose publish failed. */
  forget(id: string): void {
    const p = this.pending.get(id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(id);
  }

  /** Reject pending requests, stop consuming and delete the reply queue. */
  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ClosedError());
      this.pending.delete(id);
    }
    this.abort.abort();
    if (!this.loop) return;
    await this.loop;
    await this.backend.deleteQueue(this.queue).catch((err: unknown) => this.log.warn({ err }, 'could not delete the reply queue'));
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const deliveries = await this.backend.claim(this.queue, { max: 100, leaseMs: 30_000, waitMs: 10_000, signal: this.abort.signal });
        for (const d of deliveries) {
          this.settle(d.message);
          await this.backend.ack({ queue: d.queue, id: d.message.id, token: d.token });
        }
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.log.error({ err }, 'reply inbox claim failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  private settle(message: Message): void {
    const id = message.headers?.[CORRELATION_HEADER];
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p || id === undefined) return; // late reply after a timeout
    this.pending.delete(id);
    clearTimeout(p.timer);
    try {
      const body = this.codec.decode(message.body, message) as ReplyBody;
      if (body.ok) p.resolve(body.value);
      else p.reject(new RemoteError(body.error.message, { ...(body.error.name ? { name: body.error.name } : {}), ...(body.error.code ? { code: body.error.code } : {}) }));
    } catch (err) {
      p.reject(err);
    }
  }
}
