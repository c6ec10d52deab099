import { CryptoError, PayloadTooLargeError, ValidationError } from './errors';
import { PayloadCipher, type EncryptionOptions } from './payload-cipher';
import { assertJson } from './validation';
import type { Message } from './contract';
import type { WrkrEvent } from './event';

/** The fields of a message its encrypted body is bound to (AES-GCM additional authenticated data). */
export type BoundFields = Pick<Message, 'id' | 'name' | 'tid' | 'headers'>;

// Trace context is rewritten hop by hop by tracing layers without re-encrypting, so it is not bound.
const UNBOUND_HEADERS = new Set(['traceparent', 'tracestate', 'baggage']);

function additionalData(m: BoundFields): string {
  const headers = Object.entries(m.headers ?? {})
    .filter(([k]) => !UNBOUND_HEADERS.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([m.id, m.name, m.tid ?? null, headers]);
}

/** Default largest encoded body: 5 MiB, inside every backend's own message limit. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;

/** Turns event data into an opaque body string and back (JSON, optionally encrypted). */
export class Codec {
  private readonly cipher?: PayloadCipher;
  private readonly allowPlaintext: boolean;

  constructor(
    private readonly maxBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
    encryption?: EncryptionOptions,
  ) {
    if (encryption) this.cipher = new PayloadCipher(encryption);
    this.allowPlaintext = encryption?.allowPlaintext === true;
  }

  /** Validate and encode `data` (undefined → no body), encrypted bound to the message's id, name, tid and headers. */
  encode(data: unknown, bound: BoundFields, field = 'data'): string | undefined {
    if (data === undefined) return undefined;
    assertJson(data, field);
    const json = JSON.stringify(data);
    // Plain JSON never starts with 'e', so an encrypted body is unambiguous.
    const body = this.cipher ? this.cipher.encrypt(json, additionalData(bound), bound.headers?.owner) : json;
    const size = Buffer.byteLength(body);
    if (size > this.maxBytes) throw new PayloadTooLargeError(size, this.maxBytes);
    return body;
  }

  /** Decode a body made by `encode` (decrypting when needed); with encryption on, plaintext is a CryptoError unless allowed. */
  decode(body: string | undefined, bound: BoundFields): unknown {
    if (body === undefined) return undefined;
    let json = body;
    if (PayloadCipher.isEncrypted(body)) {
      if (!this.cipher) throw new CryptoError('payload is encrypted but no encryption keys are configured');
      json = this.cipher.decrypt(body, additionalData(bound), bound.name);
    } else if (this.cipher && !this.allowPlaintext) {
      // Encryption on means every body is ours: plaintext was written by someone without the keys.
      throw new CryptoError('payload is not encrypted but encryption is configured (set encryption.allowPlaintext while migrating)');
    }
    try {
      return JSON.parse(json) as unknown;
    } catch {
      throw new ValidationError('body', 'is not valid JSON');
    }
  }
}

/** Re-encrypt `body` (made for `from`) for the message `to`; an unencrypted body is returned as it is. */
export function rebind(codec: Codec, body: string | undefined, from: BoundFields, to: BoundFields): string | undefined {
  if (body === undefined || !PayloadCipher.isEncrypted(body)) return body;
  return codec.encode(codec.decode(body, from), to);
}

/** Turn a stored message into the event a handler sees (decoding its body). */
export function toEvent<T>(codec: Codec, message: Message): WrkrEvent<T> {
  // Built field by field (no conditional spreads): this runs for every delivery.
  const event: { -readonly [K in keyof WrkrEvent<T>]: WrkrEvent<T>[K] } = {
    id: message.id,
    name: message.name,
    headers: message.headers === undefined ? {} : { ...message.headers },
    publishedAt: new Date(message.publishedAt),
  };
  if (message.tid !== undefined) event.tid = message.tid;
  if (message.body !== undefined) event.data = codec.decode(message.body, message) as T;
  return event;
}
