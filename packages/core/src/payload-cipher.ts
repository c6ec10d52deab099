import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CryptoError, ValidationError } from './errors';
import { isPlainObject } from './validation';

/** Keys for AES-256-GCM payload encryption. */
export interface EncryptionOptions {
  /** Key id → 32-byte key (Buffer, 64 hex chars or base64). Old keys stay listed so old items still decrypt. */
  keys: Record<string, Buffer | string>;
  /** Key id used for new payloads without an owner key. */
  currentKey: string;
  /** Owner (the event's `owner` header) → key id, so each owner's data has its own key; other owners use `currentKey`. */
  ownerKeys?: Record<string, string>;
  /** Accept unencrypted bodies (migrating a store to encryption); off by default, so planted plaintext fails. */
  allowPlaintext?: boolean;
}

const PREFIX = 'enc:v2:';
// v1 bodies (before 0.2) authenticate the event name only; they still decrypt, bound to just that.
const PREFIX_V1 = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function readKey(id: string, key: Buffer | string): Buffer {
  let buf: Buffer | undefined;
  if (Buffer.isBuffer(key)) buf = key;
  else if (typeof key === 'string' && /^[0-9a-fA-F]{64}$/.test(key)) buf = Buffer.from(key, 'hex');
  else if (typeof key === 'string') buf = Buffer.from(key, 'base64');
  if (!buf || buf.length !== 32) throw new ValidationError(`encryption.keys.${id}`, 'must be 32 bytes (Buffer, 64 hex chars or base64)');
  return buf;
}

/**
 * AES-256-GCM over encoded payloads. The key id travels with the ciphertext so keys can rotate, and the
 * caller's `aad` (the event's identity, see Codec) is authenticated so a ciphertext cannot be moved onto
 * another event.
 */
export class PayloadCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentKey: string;
  // A Map: owners such as 'constructor' or '__proto__' must not find Object.prototype's members.
  private readonly ownerKeys: Map<string, string>;

  constructor(options: EncryptionOptions) {
    if (!isPlainObject(options) || !isPlainObject(options.keys)) throw new ValidationError('encryption.keys', 'must be an object of key id → key');
    for (const [id, key] of Object.entries(options.keys)) {
      if (!KEY_ID.test(id)) throw new ValidationError('encryption.keys', `key id ${JSON.stringify(id)} must be 1–64 of [A-Za-z0-9_.-]`);
      this.keys.set(id, readKey(id, key));
    }
    if (!this.keys.has(options.currentKey)) throw new ValidationError('encryption.currentKey', `no key with id ${JSON.stringify(options.currentKey)}`);
    this.currentKey = options.currentKey;
    if (options.ownerKeys !== undefined && !isPlainObject(options.ownerKeys)) throw new ValidationError('encryption.ownerKeys', 'must be an object of owner → key id');
    if (options.allowPlaintext !== undefined && typeof options.allowPlaintext !== 'boolean') throw new ValidationError('encryption.allowPlaintext', 'must be a boolean');
    this.ownerKeys = new Map(Object.entries(options.ownerKeys ?? {}));
    for (const [owner, id] of this.ownerKeys) {
      if (!this.keys.has(id)) throw new ValidationError(`encryption.ownerKeys.${owner}`, `no key with id ${JSON.stringify(id)}`);
    }
  }

  /** Encrypt `plain` bound to `aad`, with the owner's key (or the current key). */
  encrypt(plain: string, aad: string, owner?: string): string {
    const keyId = (owner !== undefined ? this.ownerKeys.get(owner) : undefined) ?? this.currentKey;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(keyId)!, iv);
    cipher.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${keyId}:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
  }

  /** Decrypt a body made by `encrypt` with the same `aad` (a v1 body: the same `name`); throws CryptoError on an unknown key or tampering. */
  decrypt(body: string, aad: string, name: string): string {
    const v1 = body.startsWith(PREFIX_V1);
    const [keyId, iv, tag, ct] = body.slice(PREFIX.length).split(':');
    const key = keyId !== undefined ? this.keys.get(keyId) : undefined;
    if (!key || iv === undefined || tag === undefined || ct === undefined) throw new CryptoError(`cannot decrypt: unknown key id ${JSON.stringify(keyId)}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(v1 ? name : aad));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new CryptoError('cannot decrypt: payload was tampered with or the key is wrong', { cause });
    }
  }

  /** True when `body` was produced by a PayloadCipher. */
  static isEncrypted(body: string): boolean {
    return body.startsWith(PREFIX) || body.startsWith(PREFIX_V1);
  }
}
