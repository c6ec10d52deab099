import { freePort } from '@wrkr/backend-tests/services';
// The private password-protected Redis of the backend's own tests: a failed login needs a server that checks.
import { AppendOnlyRedis } from '../../backend-redis/test/redis-server';
import { backendFromUrl } from '../src/backend-url';
import { createLogger } from '../src/logger';
import { ensureBuilt, runCli } from './run-cli';

beforeAll(() => ensureBuilt(), 120_000);

test.each([
  ['an unknown scheme', 'redsi://:hunter2@127.0.0.1:6379', /unknown scheme redsi: in "redsi:\/\/:\*\*\*@127\.0\.0\.1:6379"/],
  ['a text that is not a URL', 'redis//:hunter2@host', /is not a URL/],
])('%s is reported without its password', (_what, url, message) => {
  expect(() => backendFromUrl(url)).toThrow(message);
  expect(() => backendFromUrl(url)).not.toThrow(/hunter2/);
});

test('the CLI logger redacts the known secret fields', () => {
  // pino.destination({ sync: true }) writes to fd 1 with fs.writeSync; capture those writes.
  const written: string[] = [];
  const fs = require('node:fs') as typeof import('node:fs');
  const writeSync = fs.writeSync;
  (fs as { writeSync: unknown }).writeSync = (fd: number, data: string, ...rest: unknown[]) => (fd === 1 ? (written.push(String(data)), String(data).length) : (writeSync as (...a: unknown[]) => number)(fd, data, ...rest));
  try {
    const log = createLogger('info');
    log.warn({ err: Object.assign(new Error('WRONGPASS'), { command: { name: 'auth', args: ['hunter2'] } }), password: 'hunter2' }, 'x');
    log.flush();
  } finally {
    (fs as { writeSync: unknown }).writeSync = writeSync;
  }
  expect(written.join('')).toContain('WRONGPASS');
  expect(written.join('')).not.toContain('hunter2');
});

describe('connection errors on the command line', () => {
  let redis: AppendOnlyRedis;
  beforeAll(async () => {
    redis = await AppendOnlyRedis.start({ requirePass: 'right-pass' });
  });
  afterAll(() => redis.stop());

  test('a wrong Redis password: the masked URL and WRONGPASS on stderr, the password nowhere', async () => {
    const url = `redis://:hunter2@127.0.0.1:${redis.port}`;
    for (const args of [['stats'], ['worker', '--paths', 'packages/cli/test/fixtures/tasks']]) {
      const r = await runCli([...args, '--backend', url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`redis start on redis://:***@127.0.0.1:${redis.port} failed: WRONGPASS`);
      expect(r.stdout + r.stderr).not.toContain('hunter2');
    }
  }, 30_000);

  test('an unreachable MongoDB fails within seconds, naming host:port', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await runCli(['stats', '--backend', `mongodb://ops:hunter2@127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(r.stderr).toContain(`mongodb://ops:***@127.0.0.1:${port}`);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr).not.toContain('hunter2');
  }, 30_000);
});
