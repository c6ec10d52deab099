import { MAX_PRIORITY, type Message } from '@wrkr/core/backend';
import type { MessageProperties, Options } from 'amqplib';
import { newMessageId } from './ids';

/** Header names wrkr adds to AMQP messages (everything else in `headers` is the event's own headers). */
export const H = {
  tid: 'x-wrkr-tid',
  /** Deliveries made before this copy of the item was written (a retry or release rewrites it). */
  prior: 'x-wrkr-prior',
  /** Set on delayed carriers: epoch ms due time. */
  dueAt: 'x-wrkr-due-at',
  /** Set on delayed carriers: the wrkr queue to send to; absent means publish by name. */
  target: 'x-wrkr-target',
  /** Set on delayed carriers: nonce of the stored delayed entry this carrier belongs to. */
  nonce: 'x-wrkr-nonce',
  /** Set on the carriers of sticky leases: the hold the carrier ends when due (see sticky-leases.ts). */
  hold: 'x-wrkr-hold',
  /** Set on failed items. */
  error: 'x-wrkr-error',
  failedAt: 'x-wrkr-failed-at',
  attempt: 'x-wrkr-attempt',
} as const;

// Headers the broker adds (dead-lettering, quorum delivery counts) are not the event's.
const BROKER_HEADER = /^x-(wrkr-|death$|first-death-|last-death-|delivery-count$|received-from$)/;

const EMPTY = Buffer.alloc(0);

/** `appId` of messages wrkr writes: their `type` is the event name and `timestamp` is in milliseconds. */
export const APP_ID = 'wrkr';

/**
 * AMQP publish options and body for a message; `extra` carries wrkr's internal headers. The name and the
 * publish time travel in the `type` and `timestamp` properties, and the header table is left out when
 * the event has no headers or tid: the broker handles messages without a header table markedly faster.
 * `priority` (0–9) is the AMQP `priority` property, left out at 0 (the broker's default for none).
 */
export function toAmqp(message: Message, extra?: Record<string, string | number>, priority = 0): { content: Buffer; options: Options.Publish } {
  const options: Options.Publish = {
    persistent: true,
    messageId: message.id,
    contentType: 'application/json',
    appId: APP_ID,
    type: message.name,
    timestamp: message.publishedAt,
  };
  // Built only when there is something to put in it: most events have no headers (the hot path).
  if (message.headers !== undefined || extra !== undefined || message.tid !== undefined) {
    const headers: Record<string, string | number> = { ...message.headers, ...extra };
    if (message.tid !== undefined) headers[H.tid] = message.tid;
    if (Object.keys(headers).length > 0) options.headers = headers;
  }
  if (priority > 0) options.priority = priority;
  return { content: message.body === undefined ? EMPTY : Buffer.from(message.body, 'utf8'), options };
}

/**
 * The wrkr priority of a delivered AMQP message: its `priority` property, 0 when absent. A plain AMQP
 * producer may set up to 255; the broker treats anything above the queue's maximum as the maximum, so
 * this does too.
 */
export function priorityOf(properties: MessageProperties): number {
  const p = numberHeader(properties.priority);
  return p === undefined || p < 0 ? 0 : Math.min(Math.floor(p), MAX_PRIORITY);
}

/**
 * The wrkr message carried by an AMQP message. Messages from plain AMQP producers are read too: the
 * routing key is the name, `messageId` the id (one is made when absent), `timestamp` (seconds, as AMQP
 * has it) the publish time.
 */
export function fromAmqp(content: Buffer, properties: MessageProperties, routingKey: string): Message {
  const raw: Record<string, unknown> | undefined = properties.headers;
  const ours = properties.appId === APP_ID;
  const timestamp = numberHeader(properties.timestamp);
  const message: { -readonly [K in keyof Message]: Message[K] } = {
    id: typeof properties.messageId === 'string' && properties.messageId.length > 0 ? properties.messageId : newMessageId(),
    name: ours && typeof properties.type === 'string' ? properties.type : routingKey,
    publishedAt: timestamp === undefined ? Date.now() : ours ? timestamp : timestamp * 1000,
  };
  if (raw !== undefined) {
    const tid = raw[H.tid];
    if (typeof tid === 'string') message.tid = tid;
    let headers: Record<string, string> | undefined;
    for (const k in raw) {
      if (BROKER_HEADER.test(k)) continue;
      const v = raw[k];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') (headers ??= {})[k] = `${v}`;
    }
    if (headers !== undefined) message.headers = headers;
  }
  if (content.length > 0) message.body = content.toString('utf8');
  return message;
}

/** A numeric header value (AMQP tables may carry numbers as numbers or strings). */
export function numberHeader(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v !== '' && Number.isFinite(Number(v))) return Number(v);
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
