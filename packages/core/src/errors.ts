const BRAND = Symbol.for('wrkr.error');

/** Stable machine-readable codes carried by every wrkr error. */
export type WrkrErrorCode =
  | 'ERR_WRKR_VALIDATION'
  | 'ERR_WRKR_NOT_SUPPORTED'
  | 'ERR_WRKR_TIMEOUT'
  | 'ERR_WRKR_STALE_LEASE'
  | 'ERR_WRKR_CLOSED'
  | 'ERR_WRKR_NOT_STARTED'
  | 'ERR_WRKR_DUPLICATE_WORKER'
  | 'ERR_WRKR_NOT_FOUND'
  | 'ERR_WRKR_PAYLOAD_TOO_LARGE'
  | 'ERR_WRKR_CRYPTO'
  | 'ERR_WRKR_BACKEND'
  | 'ERR_WRKR_REMOTE'
  | 'ERR_WRKR_ABORTED';

/** Base class of every error wrkr throws; recognise it across package copies with `isWrkrError`. */
export class WrkrError extends Error {
  /** Stable code, safe to switch on. */
  readonly code: WrkrErrorCode;
  /** Optional structured details (field names, limits, ids). */
  readonly details?: Record<string, unknown>;

  constructor(code: WrkrErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    if (details !== undefined) this.details = details;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True when `err` is a WrkrError from any copy of @wrkr/core (optionally with the given code). */
export function isWrkrError(err: unknown, code?: WrkrErrorCode): err is WrkrError {
  if (typeof err !== 'object' || err === null || (err as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (err as WrkrError).code === code;
}

/** Bad input: a name, pattern, payload, option or `when` value that wrkr refuses before writing anything. */
export class ValidationError extends WrkrError {
  /** The offending field or option path, e.g. `event.name`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super('ERR_WRKR_VALIDATION', `${field}: ${message}`, { field });
    this.field = field;
  }
}

/** The payload is larger than the configured limit. */
export class PayloadTooLargeError extends WrkrError {
  constructor(size: number, limit: number) {
    super('ERR_WRKR_PAYLOAD_TOO_LARGE', `payload of ${size} bytes exceeds the limit of ${limit} bytes`, { size, limit });
  }
}

/** The backend does not offer a capability the call needs. */
export class NotSupportedError extends WrkrError {
  constructor(capability: string, backend: string) {
    super('ERR_WRKR_NOT_SUPPORTED', `backend ${backend} does not support ${capability}`, { capability, backend });
  }
}

/** An operation (request/reply, handler, stop) did not finish in time. */
export class TimeoutError extends WrkrError {
  constructor(what: string, ms: number) {
    super('ERR_WRKR_TIMEOUT', `${what} timed out after ${ms} ms`, { ms });
  }
}

/** A running handler was stopped by `wrkr.abort` (from this process or another). */
export class AbortedError extends WrkrError {
  /** True when the item goes to the failed store instead of following the retry policy. */
  readonly fail: boolean;
  constructor(queue: string, id: string, reason: string | undefined, fail: boolean) {
    super('ERR_WRKR_ABORTED', `job ${queue}/${id} was aborted${reason !== undefined ? `: ${reason}` : ''}`, { queue, id, ...(reason !== undefined && { reason }) });
    this.fail = fail;
  }
}

/** An ack/nack/extend used a lease token that no longer holds the item. */
export class StaleLeaseError extends WrkrError {
  /** `id`: the item whose lease was lost; `{ worker }`: the worker that was to hold one and holds none. */
  constructor(queue: string, item: string | { readonly worker: string }) {
    if (typeof item === 'string') {
      super('ERR_WRKR_STALE_LEASE', `lease on ${queue}/${item} is no longer held (expired, or taken by another consumer)`, { queue, id: item });
    } else {
      super('ERR_WRKR_STALE_LEASE', `worker ${item.worker} holds no lease on ${queue} (acked, nacked, expired, or never fetched by it)`, { queue, worker: item.worker });
    }
  }
}

/** The instance (or backend) is closed or closing. */
export class ClosedError extends WrkrError {
  constructor(what = 'wrkr') {
    super('ERR_WRKR_CLOSED', `${what} is closed`);
  }
}

/** A call needs `start()` to have completed first. */
export class NotStartedError extends WrkrError {
  constructor() {
    super('ERR_WRKR_NOT_STARTED', 'call start() before using wrkr');
  }
}

/** Another live worker already holds this worker id. */
export class DuplicateWorkerError extends WrkrError {
  constructor(id: string) {
    super('ERR_WRKR_DUPLICATE_WORKER', `worker id ${id} is already held by a live worker`, { id });
  }
}

/** The named schedule, queue item or key does not exist. */
export class NotFoundError extends WrkrError {
  constructor(what: string, id: string) {
    super('ERR_WRKR_NOT_FOUND', `${what} ${id} not found`, { id });
  }
}

/** Encryption or decryption failed (unknown key id, tampered ciphertext). */
export class CryptoError extends WrkrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WRKR_CRYPTO', message, undefined, options);
  }
}

/** A storage/broker failure reported by a backend. */
export class BackendError extends WrkrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_WRKR_BACKEND', message, undefined, options);
  }
}

/** A request's handler failed on the remote side; carries the remote error's message. */
export class RemoteError extends WrkrError {
  constructor(message: string, remote: { name?: string; code?: string }) {
    super('ERR_WRKR_REMOTE', message, remote);
  }
}
