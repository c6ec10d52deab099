import { maskUrl, ValidationError, WrkrError, type Backend, type Logger } from '@wrkr/core';

/** How a backend package is loaded; `require` in production, replaceable to test the missing-package path. */
export type ModuleLoader = (id: string) => unknown;

/** Options that apply to every backend built from a URL. */
export interface BackendFromUrlOptions {
  /** Namespace; overrides the URL's `?namespace=`. */
  namespace?: string;
  /** pino-compatible logger handed to backends that take one. */
  logger?: Logger;
}

interface BackendKind {
  readonly pkg: string;
  readonly className: string;
  /** Constructor options for this backend from the URL (namespace already removed). */
  readonly options: (url: URL, namespace: string | undefined, logger: Logger | undefined) => Record<string, unknown>;
}

const withNamespace = (namespace: string | undefined): Record<string, unknown> => (namespace === undefined ? {} : { namespace });
const withLogger = (logger: Logger | undefined): Record<string, unknown> => (logger === undefined ? {} : { logger });

const MEMORY: BackendKind = { pkg: '@wrkr/backend-memory', className: 'MemoryBackend', options: (_u, ns) => withNamespace(ns) };
const REDIS: BackendKind = {
  pkg: '@wrkr/backend-redis',
  className: 'RedisBackend',
  options: (u, ns, log) => ({ url: u.href, ...withNamespace(ns), ...withLogger(log) }),
};
/** A boolean URL parameter (`1`/`true`, `0`/`false`), taken out of the URL; undefined when absent. */
function flagParam(url: URL, name: string): boolean | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  url.searchParams.delete(name);
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new ValidationError(`backend ?${name}=`, `must be 1, true, 0 or false, got ${JSON.stringify(value)}`);
}

const RABBITMQ: BackendKind = {
  pkg: '@wrkr/backend-rabbitmq',
  className: 'RabbitMqBackend',
  // `?jobIndex=1`: the shadow logs that give `job`/`jobs` and kept completions (the dashboard's job lists).
  options: (u, ns, log) => {
    const jobIndex = flagParam(u, 'jobIndex');
    return { url: u.href, ...(jobIndex !== undefined && { jobIndex }), ...withNamespace(ns), ...withLogger(log) };
  },
};
/** A command should say within seconds that MongoDB is unreachable, not after the driver's 30 s (the backend's own default is 10 s). */
export const CLI_MONGODB_CONNECT_TIMEOUT_MS = 3_000;

const MONGODB: BackendKind = {
  pkg: '@wrkr/backend-mongodb',
  className: 'MongoBackend',
  options: (u, ns, log) => ({ url: u.href, connectTimeoutMs: CLI_MONGODB_CONNECT_TIMEOUT_MS, ...withNamespace(ns), ...withLogger(log) }),
};

/** URL schemes (with the colon, as `URL.protocol` gives them) and the backend each one loads. */
const SCHEMES: Record<string, BackendKind> = {
  'memory:': MEMORY,
  'redis:': REDIS,
  'rediss:': REDIS,
  'amqp:': RABBITMQ,
  'amqps:': RABBITMQ,
  'mongodb:': MONGODB,
  'mongodb+srv:': MONGODB,
};

/**
 * Build the backend a URL names: `memory://`, `redis://host:6379/0`, `amqp://user:pass@host`,
 * `mongodb://host:27017`; a `?namespace=` query parameter (or `options.namespace`) isolates the data,
 * and `amqp://…?jobIndex=1` turns on RabbitMQ's job index.
 */
export function backendFromUrl(raw: string, options: BackendFromUrlOptions = {}, load: ModuleLoader = require): Backend {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: a mistyped URL may still hold a password that no pattern recognises.
    throw new ValidationError('backend', 'is not a URL (e.g. memory://, redis://127.0.0.1:6379)');
  }
  const kind = SCHEMES[url.protocol];
  if (!kind) {
    throw new ValidationError('backend', `unknown scheme ${url.protocol} in ${JSON.stringify(maskUrl(raw))} (known: ${Object.keys(SCHEMES).join(' ')})`);
  }
  const namespace = options.namespace ?? url.searchParams.get('namespace') ?? undefined;
  url.searchParams.delete('namespace');
  const Ctor = loadBackendClass(kind, load);
  return new Ctor(kind.options(url, namespace, options.logger));
}

function loadBackendClass(kind: BackendKind, load: ModuleLoader): new (options: Record<string, unknown>) => Backend {
  let mod: unknown;
  try {
    mod = load(kind.pkg);
  } catch (cause) {
    const missing = (cause as { code?: unknown }).code === 'MODULE_NOT_FOUND' && String((cause as Error).message).includes(kind.pkg);
    const message = missing
      ? `this backend URL needs ${kind.pkg}, which is not installed: npm install ${kind.pkg}`
      : `cannot load ${kind.pkg}: ${(cause as Error).message}`;
    throw new WrkrError('ERR_WRKR_NOT_SUPPORTED', message, { package: kind.pkg }, { cause });
  }
  const Ctor = (mod as Record<string, unknown> | undefined)?.[kind.className];
  if (typeof Ctor !== 'function') {
    throw new WrkrError('ERR_WRKR_NOT_SUPPORTED', `${kind.pkg} does not export ${kind.className}; is it a wrkr backend of a matching version?`, { package: kind.pkg });
  }
  return Ctor as new (options: Record<string, unknown>) => Backend;
}
