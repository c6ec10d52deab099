import type { Channel, GetMessage, Options } from 'amqplib';
import type { FailedItem, FailureInfo, ListOptions, Message } from '@wrkr/core/backend';
import { fromAmqp, H, numberHeader, priorityOf, toAmqp } from './amqp-message';
import type { ConfirmPublisher } from './confirm-publisher';
import type { ConnectionManager } from './connection';
import type { Names } from './names';

/** The AMQP message that stores a failed item (written by a client, or by the coordinator for a sticky lease); its `priority` property keeps the item's priority for a replay. */
export function failedEntry(queue: string, message: Message, attempt: number, error: FailureInfo, priority: number): { content: Buffer; options: Options.Publish } {
  return toAmqp(message, { [H.error]: JSON.stringify(error), [H.attempt]: attempt, [H.failedAt]: Date.now(), [H.target]: queue }, priority);
}

/**
 * Failed items of each wrkr queue live in their own durable queue (`wrkr.<ns>.f.<queue>`), oldest
 * first, with the error, attempt count and time in headers. Listing, replaying and purging read the
 * queue with basic.get on a private channel and then close it: what was not acked goes back to its
 * original place, so the order stays oldest first.
 */
export class FailedStore {
  constructor(
    private readonly conn: ConnectionManager,
    private readonly publisher: ConfirmPublisher,
    private readonly names: Names,
  ) {}

  /** Failed items, oldest first. */
  list(queue: string, options: ListOptions = {}): Promise<FailedItem[]> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    return this.#withAll(queue, offset + limit, (items) => Promise.resolve(items.slice(offset, offset + limit).map((i) => i.item)));
  }

  /** Failed items, oldest first, each with its priority (kept in the AMQP property): for `job`/`jobs`. */
  listWithPriority(queue: string): Promise<Array<{ item: FailedItem; priority: number }>> {
    return this.#withAll(queue, Number.POSITIVE_INFINITY, (items) => Promise.resolve(items.map((i) => ({ item: i.item, priority: priorityOf(i.raw.properties) }))));
  }

  /** Move failed items back to the queue with attempt 0 and their priority; returns how many moved. */
  replay(queue: string, ids?: readonly string[]): Promise<number> {
    const wanted = ids ? new Set(ids) : undefined;
    return this.#withAll(queue, Number.POSITIVE_INFINITY, async (items, ch) => {
      const chosen = items.filter((i) => !wanted || wanted.has(i.item.message.id));
      await this.publisher.publish(
        chosen.map((i) => {
          const { content, options } = toAmqp(i.item.message, undefined, priorityOf(i.raw.properties));
          // Through the direct exchange, so the replayed copy is in the queue's shadow log too.
          return { exchange: this.names.direct, routingKey: queue, content, options };
        }),
      );
      for (const i of chosen) ch.ack(i.raw);
      return chosen.length;
    });
  }

  /** Delete failed items; returns how many were deleted. */
  purge(queue: string, ids?: readonly string[]): Promise<number> {
    const wanted = ids ? new Set(ids) : undefined;
    return this.#withAll(queue, Number.POSITIVE_INFINITY, (items, ch) => {
      const chosen = items.filter((i) => !wanted || wanted.has(i.item.message.id));
      for (const i of chosen) ch.ack(i.raw);
      return Promise.resolve(chosen.length);
    });
  }

  async #withAll<T>(queue: string, most: number, fn: (items: Array<{ item: FailedItem; raw: GetMessage }>, ch: Channel) => Promise<T>): Promise<T> {
    const model = await this.conn.ready();
    const ch = await model.createChannel();
    ch.on('error', () => undefined);
    try {
      const items: Array<{ item: FailedItem; raw: GetMessage }> = [];
      while (items.length < most) {
        let raw: GetMessage | false;
        try {
          raw = await ch.get(this.names.failed(queue), { noAck: false });
        } catch (err) {
          if ((err as { code?: number }).code === 404) break;
          throw err;
        }
        if (!raw) break;
        items.push({ item: toFailedItem(queue, raw), raw });
      }
      const out = await fn(items, ch);
      if (items.length > 0) {
        // Give back what `fn` did not ack, and wait until the queue has it again: requeued only by the
        // channel's close, the items could still be missing from a `stats` read right after (seen in CI).
        // The passive declare on this channel reaches the queue after the requeue, so it is the barrier.
        ch.nackAll(true);
        await ch.checkQueue(this.names.failed(queue));
      }
      return out;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}

function toFailedItem(queue: string, raw: GetMessage): FailedItem {
  const h = (raw.properties.headers ?? {}) as Record<string, unknown>;
  let error: FailureInfo = { message: 'unknown error' };
  try {
    error = JSON.parse(String(h[H.error])) as FailureInfo;
  } catch {
    // A failed item written by something else: keep the placeholder error.
  }
  return {
    queue,
    message: fromAmqp(raw.content, raw.properties, raw.fields.routingKey),
    attempt: numberHeader(h[H.attempt]) ?? 0,
    error,
    failedAt: numberHeader(h[H.failedAt]) ?? 0,
  };
}
