import { execFile } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { BackendError } from '@wrkr/core/backend';

/** A service started for the tests (by testcontainers). */
export interface StartedService {
  /** URL clients connect to. */
  readonly url: string;
  /** Stop and remove it. */
  stop(): Promise<void>;
}

/** Where to find a service: env var, then a local port, then a container. */
export interface ServiceUrlOptions {
  /** Environment variable holding the URL, e.g. `WRKR_REDIS_URL`. */
  readonly envVar: string;
  /** URL of the service on its usual local port, e.g. `redis://127.0.0.1:6379`. */
  readonly defaultUrl: string;
  /** The port `defaultUrl` listens on (checked with a TCP connect). */
  readonly port: number;
  /** Start a container when Docker is available (testcontainers is loaded only then). */
  readonly container?: () => Promise<StartedService>;
  /** How long the TCP check waits (ms, default 500). */
  readonly connectTimeoutMs?: number;
}

const started = new Map<string, Promise<StartedService>>();

/**
 * The URL of a service for tests: `$envVar` when set; else `defaultUrl` when something listens on its
 * port; else a container started through `container` when `docker info` succeeds (one per env var per
 * process, removed by `stopServices()` or testcontainers' reaper); else an error saying how to start it.
 */
export async function resolveServiceUrl(options: ServiceUrlOptions): Promise<string> {
  const fromEnv = process.env[options.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const host = new URL(options.defaultUrl).hostname || '127.0.0.1';
  if (await isPortOpen(host, options.port, options.connectTimeoutMs ?? 500)) return options.defaultUrl;
  if (options.container !== undefined && (await dockerAvailable())) {
    let service = started.get(options.envVar);
    if (service === undefined) {
      service = options.container();
      started.set(options.envVar, service);
      service.catch(() => started.delete(options.envVar));
    }
    return (await service).url;
  }
  throw new BackendError(
    `no service for ${options.envVar}: the variable is not set, nothing listens on ${host}:${options.port}, and Docker is not available for testcontainers. ` +
      `Start the local services with \`npm run services\`, or set ${options.envVar} to a reachable URL.`,
  );
}

/** Stop every container this process started through `resolveServiceUrl`. */
export async function stopServices(): Promise<void> {
  const services = [...started.values()];
  started.clear();
  await Promise.allSettled(services.map(async (s) => (await s).stop()));
}

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A TCP port on 127.0.0.1 that was free a moment ago, for a private server a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** True when `docker info` succeeds (a Docker daemon testcontainers can use). */
export function dockerAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info'], { timeout: 10_000 }, (err) => resolve(err === null));
  });
}

/** Start `image` with testcontainers, exposing `port` and waiting for `readyLog`; `toUrl` builds the URL. */
export async function startContainer(image: string, port: number, readyLog: string | RegExp, toUrl: (host: string, port: number) => string): Promise<StartedService> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  const container = await new GenericContainer(image).withExposedPorts(port).withWaitStrategy(Wait.forLogMessage(readyLog)).start();
  return {
    url: toUrl(container.getHost(), container.getMappedPort(port)),
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * testcontainers, loaded only when a container is really needed: it is an optional peer dependency, so
 * an author with local services (or none of ours to start) installs no container stack.
 */
async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  try {
    return await import('testcontainers');
  } catch (cause) {
    const { code } = cause as NodeJS.ErrnoException;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw cause;
    throw new BackendError('Docker is available but testcontainers is not installed: npm install --save-dev testcontainers, or set the service URL variable', { cause });
  }
}

/** Redis for tests: WRKR_REDIS_URL → redis://127.0.0.1:6379 → a redis:7 container. */
export function redisUrl(): Promise<string> {
  return resolveServiceUrl({
    envVar: 'WRKR_REDIS_URL',
    defaultUrl: 'redis://127.0.0.1:6379',
    port: 6379,
    container: () => startContainer('redis:7', 6379, 'Ready to accept connections', (host, port) => `redis://${host}:${port}`),
  });
}

/** RabbitMQ for tests: WRKR_AMQP_URL → amqp://guest:guest@127.0.0.1:5672 → a rabbitmq:3.13-management container. */
export function amqpUrl(): Promise<string> {
  return resolveServiceUrl({
    envVar: 'WRKR_AMQP_URL',
    defaultUrl: 'amqp://guest:guest@127.0.0.1:5672',
    port: 5672,
    container: () => startContainer('rabbitmq:3.13-management', 5672, 'Server startup complete', (host, port) => `amqp://guest:guest@${host}:${port}`),
  });
}

/** MongoDB for tests: WRKR_MONGO_URL → mongodb://127.0.0.1:27017 → a mongo:7 container. */
export function mongoUrl(): Promise<string> {
  return resolveServiceUrl({
    envVar: 'WRKR_MONGO_URL',
    defaultUrl: 'mongodb://127.0.0.1:27017',
    port: 27017,
    container: () => startContainer('mongo:7', 27017, /Waiting for connections/, (host, port) => `mongodb://${host}:${port}`),
  });
}
