import { dirname, extname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { readChains, type ChainConfig } from './chain';
import { loadModule } from './load-module';
import { parseDuration, parseScheduleRule, ValidationError, type Duration, type Headers } from '@wrkr/core';
import { assertHeaders, assertId, assertInt, assertKnownKeys, isPlainObject } from '@wrkr/core/backend';

/** A recurring schedule declared in the config file; upserted when a worker starts. */
export interface ScheduleConfig {
  /** Unique schedule name. */
  readonly name: string;
  /** `{ every }` or `{ cron, tz? }`, as `Wrkr.schedule` takes it. */
  readonly rule: { every: Duration } | { cron: string; tz?: string };
  /** False to keep it paused. */
  readonly active: boolean;
  /** The event each occurrence publishes. */
  readonly event: { name: string; tid?: string; data?: unknown; headers?: Headers };
}

/** Settings of `wrkr serve`. */
export interface ServeConfig {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host: string;
  /** Port (default 8080; 0 picks a free one). */
  readonly port: number;
  /** Bearer token accepted by the API. */
  readonly token?: string;
  /** `user:password` accepted as basic auth. */
  readonly basic?: string;
}

/** Where `wrkr worker` serves its Prometheus metrics. */
export interface MetricsConfig {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host: string;
  /** Port (0 picks a free one). */
  readonly port: number;
}

/** Everything a `wrkr` command can be configured with, after merging flags, `WRKR_*` variables and the config file. */
export interface WrkrConfig {
  /** Backend URL (default `memory://`). */
  readonly backend: string;
  /** Namespace overriding the URL's `?namespace=`. */
  readonly namespace?: string;
  /** Task module files or directories, absolute. */
  readonly paths: string[];
  /** Worker id (unique among live workers). */
  readonly id?: string;
  /** Default concurrency of each task (a task's own `options.concurrency` wins). */
  readonly concurrency?: number;
  /** How long a stopping worker waits for running jobs. */
  readonly shutdownTimeout: Duration;
  /** Heartbeat interval of the worker registration. */
  readonly heartbeat?: Duration;
  /** pino level. */
  readonly logLevel: string;
  /** `pretty` or `json`; undefined: pretty on a terminal, JSON otherwise. */
  readonly logFormat?: LogFormat;
  /** Schedules to keep in sync. */
  readonly schedules: ScheduleConfig[];
  /** Processing chains to run. */
  readonly chains: ChainConfig[];
  /** Settings of `wrkr serve`. */
  readonly serve: ServeConfig;
  /** The worker's metrics port; none unless a port is given. */
  readonly metrics?: MetricsConfig;
}

/** How log lines are written: one colourised line per entry, or pino's JSON. */
export type LogFormat = 'pretty' | 'json';

/** Options of loadConfig. */
export interface LoadConfigOptions {
  /**
   * Refuse to default to `memory://`, naming this command in the error: an operator command on a fresh
   * in-process backend would only ever see an empty one.
   */
  readonly requireBackend?: string;
}

/** The flags every command shares (as `node:util` parseArgs returns them). */
export interface CommonFlags {
  backend?: string;
  namespace?: string;
  config?: string;
  paths?: string[];
  id?: string;
  concurrency?: string;
  'shutdown-timeout'?: string;
  'log-level'?: string;
  'log-format'?: string;
  host?: string;
  port?: string;
  token?: string;
  basic?: string;
  'metrics-port'?: string;
  'metrics-host'?: string;
}

const FILE_KEYS = ['backend', 'namespace', 'paths', 'id', 'concurrency', 'shutdownTimeout', 'heartbeat', 'logLevel', 'logFormat', 'schedules', 'chains', 'serve', 'metricsPort', 'metricsHost'];
const SCHEDULE_KEYS = ['name', 'every', 'cron', 'tz', 'active', 'event'];
const SERVE_KEYS = ['host', 'port', 'token', 'basic'];
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const FORMATS: LogFormat[] = ['pretty', 'json'];

/** A setting and where it came from, so a bad value is reported as `--concurrency`, `WRKR_CONCURRENCY` or `config.concurrency`. */
interface Sourced<T> {
  readonly value: T;
  readonly field: string;
}

/**
 * Merge, in order of precedence, command-line flags, `WRKR_*` environment variables and the config file
 * (`--config` or `WRKR_CONFIG`; JSON, or a JS module exporting the object), and validate the result.
 */
export function loadConfig(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), options: LoadConfigOptions = {}): WrkrConfig {
  const configPath = flags.config ?? env.WRKR_CONFIG;
  const file = configPath === undefined ? {} : readConfigFile(resolve(cwd, configPath));
  const fileDir = configPath === undefined ? cwd : dirname(resolve(cwd, configPath));

  const pick = <T>(flag: T | undefined, flagName: string, envName: string, key: string): Sourced<unknown> | undefined => {
    if (flag !== undefined) return { value: flag, field: `--${flagName}` };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, field: envName };
    if (file[key] !== undefined) return { value: file[key], field: `config.${key}` };
    return undefined;
  };

  const backend = pick(flags.backend, 'backend', 'WRKR_BACKEND', 'backend');
  const namespace = pick(flags.namespace, 'namespace', 'WRKR_NAMESPACE', 'namespace');
  const id = pick(flags.id, 'id', 'WRKR_ID', 'id');
  const concurrency = pick(flags.concurrency, 'concurrency', 'WRKR_CONCURRENCY', 'concurrency');
  const shutdown = pick(flags['shutdown-timeout'], 'shutdown-timeout', 'WRKR_SHUTDOWN_TIMEOUT', 'shutdownTimeout');
  const level = pick(flags['log-level'], 'log-level', 'WRKR_LOG_LEVEL', 'logLevel');
  const format = pick(flags['log-format'], 'log-format', 'WRKR_LOG_FORMAT', 'logFormat');
  const heartbeat = pick(undefined, 'heartbeat', 'WRKR_HEARTBEAT', 'heartbeat');
  const metricsPort = pick(flags['metrics-port'], 'metrics-port', 'WRKR_METRICS_PORT', 'metricsPort');
  const metricsHost = pick(flags['metrics-host'], 'metrics-host', 'WRKR_METRICS_HOST', 'metricsHost');
  if (metricsHost !== undefined && metricsPort === undefined) throw new ValidationError(metricsHost.field, 'needs a metrics port (--metrics-port, WRKR_METRICS_PORT or config.metricsPort)');
  if (backend === undefined && options.requireBackend !== undefined) {
    throw new ValidationError(
      '--backend',
      `is required: ${options.requireBackend} works on the backend your workers use; give --backend URL, WRKR_BACKEND or "backend" in the --config file (a new memory:// backend would be empty)`,
    );
  }

  return {
    backend: backend === undefined ? 'memory://' : str(backend),
    ...(namespace !== undefined ? { namespace: ident(namespace) } : {}),
    paths: readPaths(flags.paths, env.WRKR_PATHS, file.paths, cwd, fileDir),
    ...(id !== undefined ? { id: ident(id) } : {}),
    ...(concurrency !== undefined ? { concurrency: int(concurrency, 1, 10_000) } : {}),
    shutdownTimeout: shutdown === undefined ? '30s' : duration(shutdown),
    ...(heartbeat !== undefined ? { heartbeat: duration(heartbeat) } : {}),
    logLevel: level === undefined ? 'info' : oneOf(level, LEVELS),
    ...(format !== undefined ? { logFormat: oneOf(format, FORMATS) as LogFormat } : {}),
    schedules: readSchedules(file.schedules),
    chains: readChains(file.chains, fileDir),
    serve: readServe(flags, env, file.serve),
    ...(metricsPort !== undefined ? { metrics: { host: metricsHost === undefined ? '127.0.0.1' : str(metricsHost), port: int(metricsPort, 0, 65_535) } } : {}),
  };
}

function readConfigFile(path: string): Record<string, unknown> {
  let value: unknown;
  const ext = extname(path);
  if (ext === '.json') {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ValidationError('--config', `cannot read ${path}: ${(err as Error).message}`);
    }
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ValidationError('--config', `${path} is not valid JSON: ${(err as Error).message}`);
    }
  } else if (ext === '.js' || ext === '.cjs') {
    const mod = loadModule(path, '--config', path) as { default?: unknown };
    value = mod.default ?? mod;
  } else {
    throw new ValidationError('--config', `${path}: use a .json, .js or .cjs file`);
  }
  if (!isPlainObject(value)) throw new ValidationError('config', `${path} must hold an object`);
  assertKnownKeys(value, FILE_KEYS, 'config');
  return value;
}

function readPaths(flag: string[] | undefined, env: string | undefined, file: unknown, cwd: string, fileDir: string): string[] {
  if (flag !== undefined) return flag.map((p) => resolve(cwd, p));
  if (env !== undefined && env !== '') return env.split(',').filter((p) => p !== '').map((p) => resolve(cwd, p.trim()));
  if (file === undefined) return [];
  const list = typeof file === 'string' ? [file] : file;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) throw new ValidationError('config.paths', 'must be a path or an array of paths');
  return list.map((p: string) => resolve(fileDir, p));
}

function readSchedules(value: unknown): ScheduleConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError('config.schedules', 'must be an array');
  const names = new Set<string>();
  return value.map((s: unknown, i) => {
    const field = `config.schedules[${i}]`;
    assertKnownKeys(s, SCHEDULE_KEYS, field);
    if (!isPlainObject(s)) throw new ValidationError(field, 'must be an object');
    assertId(s.name, `${field}.name`);
    if (names.has(s.name)) throw new ValidationError(`${field}.name`, `duplicate schedule name ${s.name}`);
    names.add(s.name);
    const rule = s.every !== undefined ? { every: s.every } : { cron: s.cron, ...(s.tz !== undefined ? { tz: s.tz } : {}) };
    if (s.every !== undefined && s.cron !== undefined) throw new ValidationError(field, "give either 'every' or 'cron', not both");
    parseScheduleRule(s.every === undefined && s.cron === undefined ? {} : rule, field);
    if (s.active !== undefined && typeof s.active !== 'boolean') throw new ValidationError(`${field}.active`, 'must be true or false');
    const event = s.event;
    assertKnownKeys(event, ['name', 'tid', 'data', 'headers'], `${field}.event`);
    if (!isPlainObject(event) || typeof event.name !== 'string') throw new ValidationError(`${field}.event.name`, 'is required');
    if (event.tid !== undefined && typeof event.tid !== 'string') throw new ValidationError(`${field}.event.tid`, 'must be a string');
    if (event.headers !== undefined) assertHeaders(event.headers, `${field}.event.headers`);
    return {
      name: s.name,
      rule: rule as ScheduleConfig['rule'],
      active: s.active ?? true,
      event: event as ScheduleConfig['event'],
    };
  });
}

function readServe(flags: CommonFlags, env: NodeJS.ProcessEnv, file: unknown): ServeConfig {
  assertKnownKeys(file, SERVE_KEYS, 'config.serve');
  const f = (file ?? {}) as Record<string, unknown>;
  const from = (flag: string | undefined, flagName: string, envName: string, key: string): Sourced<unknown> | undefined => {
    if (flag !== undefined) return { value: flag, field: `--${flagName}` };
    if (env[envName] !== undefined && env[envName] !== '') return { value: env[envName], field: envName };
    if (f[key] !== undefined) return { value: f[key], field: `config.serve.${key}` };
    return undefined;
  };
  const host = from(flags.host, 'host', 'WRKR_HOST', 'host');
  const port = from(flags.port, 'port', 'WRKR_PORT', 'port');
  const token = from(flags.token, 'token', 'WRKR_TOKEN', 'token');
  const basic = from(flags.basic, 'basic', 'WRKR_BASIC', 'basic');
  const basicValue = basic === undefined ? undefined : str(basic);
  if (basicValue !== undefined && !/^[^:]+:.+$/.test(basicValue)) throw new ValidationError(basic!.field, 'must be user:password');
  return {
    host: host === undefined ? '127.0.0.1' : str(host),
    port: port === undefined ? 8080 : int(port, 0, 65_535),
    ...(token !== undefined ? { token: str(token) } : {}),
    ...(basicValue !== undefined ? { basic: basicValue } : {}),
  };
}

function str(s: Sourced<unknown>): string {
  if (typeof s.value !== 'string' || s.value === '') throw new ValidationError(s.field, 'must be a non-empty string');
  return s.value;
}

function ident(s: Sourced<unknown>): string {
  assertId(s.value, s.field);
  return s.value;
}

function int(s: Sourced<unknown>, min: number, max: number): number {
  const n = typeof s.value === 'string' && /^\d+$/.test(s.value.trim()) ? Number(s.value) : s.value;
  if (typeof n !== 'number') throw new ValidationError(s.field, `must be an integer from ${min} to ${max} (got ${JSON.stringify(s.value)})`);
  assertInt(n, s.field, min, max);
  return n;
}

function duration(s: Sourced<unknown>): Duration {
  parseDuration(s.value, s.field);
  return s.value as Duration;
}

function oneOf(s: Sourced<unknown>, allowed: string[]): string {
  if (typeof s.value !== 'string' || !allowed.includes(s.value)) throw new ValidationError(s.field, `must be one of ${allowed.join(', ')}`);
  return s.value;
}
