import { Writable } from 'node:stream';
import { freePort } from '@wrkr/backend-tests/services';
import { BackendError } from '@wrkr/core';
import pino from 'pino';
import { RedisBackend } from '../src';
import { AppendOnlyRedis } from './redis-server';

let server: AppendOnlyRedis;
beforeAll(async () => {
  server = await AppendOnlyRedis.start({ requirePass: 'right-pass' });
});
afterAll(() => server.stop());

function capture(): { logger: pino.Logger; text: () => string } {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  return { logger: pino({ level: 'debug' }, sink), text: () => lines.join('') };
}

test('a failed login names the masked URL and the cause; neither the message nor any log line holds the password', async () => {
  const log = capture();
  const backend = new RedisBackend({ url: `redis://:hunter2@127.0.0.1:${server.port}/0`, logger: log.logger, redis: { retryStrategy: () => null } });
  const err = (await backend.start().catch((e: unknown) => e)) as Error;
  await backend.close();
  expect(err).toBeInstanceOf(BackendError);
  expect(err.message).toBe(`redis start on redis://:***@127.0.0.1:${server.port}/0 failed: WRONGPASS invalid username-password pair or user is disabled.`);
  expect(log.text()).toContain('WRONGPASS');
  expect(log.text()).not.toContain('hunter2');
});

test('a closed port names host:port and the refusal', async () => {
  const port = await freePort();
  const backend = new RedisBackend({ redis: { host: '127.0.0.1', port } });
  const err = (await backend.start().catch((e: unknown) => e)) as Error;
  await backend.close();
  expect(err.message).toBe(`redis start on 127.0.0.1:${port} failed: connect ECONNREFUSED 127.0.0.1:${port}`);
});

test('the right password connects', async () => {
  const backend = new RedisBackend({ url: `redis://:right-pass@127.0.0.1:${server.port}/0` });
  await backend.start();
  expect(await backend.queues()).toEqual([]);
  await backend.close();
});
