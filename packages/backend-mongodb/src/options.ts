import { assertKnownKeys, ValidationError, type Logger } from '@wrkr/core/backend';
import { MongoClient } from 'mongodb';

/** Options of a MongoBackend. */
export interface MongoBackendOptions {
  /** Connection string; default `mongodb://127.0.0.1:27017`. Ignored when `client` is given. */
  url?: string;
  /** A client of yours; it is neither connected nor closed by the backend. */
  client?: MongoClient;
  /** Database; default `wrkr`. */
  dbName?: string;
  /** Isolates all data (collection prefix); letters, digits, `_`, `-`; default `wrkr`. */
  namespace?: string;
  /** Poll intervals (ms) of waiting claims and the delayed-publish router: start at `min`, back off to `max` while idle. */
  pollMs?: { min?: number; max?: number };
  /** Pino-compatible logger. */
  logger?: Logger;
  /** How long start() and each operation wait for a reachable server before failing, in ms; default 10,000 (the CLI uses 3,000). */
  connectTimeoutMs?: number;
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly url: string;
  readonly client?: MongoClient;
  readonly dbName: string;
  readonly namespace: string;
  readonly pollMin: number;
  readonly pollMax: number;
  readonly logger?: Logger;
  readonly connectTimeoutMs: number;
}

const NAMESPACE = /^[A-Za-z0-9_-]{1,48}$/;
const DB_NAME = /^[A-Za-z0-9_-]{1,63}$/;

function positive(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) throw new ValidationError(field, 'must be a number of ms, at least 1');
  return value;
}

/** Validate options and apply defaults. */
export function resolveOptions(options: MongoBackendOptions): ResolvedOptions {
  // The backend-wide retention moved to subscribe/respond/ack (per queue, with the handler's result).
  if ('keepCompleted' in options) throw new ValidationError('options.keepCompleted', "is a subscription option now: subscribe(queue, pattern, handler, { keepCompleted: { count, age } })");
  assertKnownKeys(options, ['url', 'client', 'dbName', 'namespace', 'pollMs', 'logger', 'connectTimeoutMs'], 'options');
  const { url = 'mongodb://127.0.0.1:27017', client, dbName = 'wrkr', namespace = 'wrkr', pollMs = {}, logger } = options;
  const connectTimeoutMs = positive(options.connectTimeoutMs, 'options.connectTimeoutMs', 10_000);
  if (typeof url !== 'string' || !/^mongodb(\+srv)?:\/\//.test(url)) throw new ValidationError('options.url', 'must be a mongodb:// or mongodb+srv:// connection string');
  if (client !== undefined && !(client instanceof MongoClient)) throw new ValidationError('options.client', 'must be a MongoClient');
  if (typeof dbName !== 'string' || !DB_NAME.test(dbName)) throw new ValidationError('options.dbName', 'must be 1–63 letters, digits, _ or -');
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) throw new ValidationError('options.namespace', 'must be 1–48 letters, digits, _ or -');
  assertKnownKeys(pollMs, ['min', 'max'], 'options.pollMs');
  const pollMin = positive(pollMs.min, 'options.pollMs.min', 10);
  const pollMax = positive(pollMs.max, 'options.pollMs.max', Math.max(pollMin, 250));
  if (pollMax < pollMin) throw new ValidationError('options.pollMs.max', 'must be at least pollMs.min');
  return { url, client, dbName, namespace, pollMin, pollMax, logger, connectTimeoutMs };
}
