import { freePort } from '@wrkr/backend-tests/services';
import { BackendError, ValidationError } from '@wrkr/core';
import { MongoBackend } from '../src';

test('an unreachable server fails start within connectTimeoutMs, naming host:port and the cause, never the password', async () => {
  const port = await freePort();
  const backend = new MongoBackend({ url: `mongodb://ops:hunter2@127.0.0.1:${port}/?authSource=admin`, connectTimeoutMs: 300 });
  const t0 = Date.now();
  const err = (await backend.start().catch((e: unknown) => e)) as Error;
  const took = Date.now() - t0;
  await backend.close();
  expect(err).toBeInstanceOf(BackendError);
  expect(took).toBeLessThan(3_000);
  expect(err.message).toContain(`mongodb://ops:***@127.0.0.1:${port}/`);
  expect(err.message).toMatch(/ECONNREFUSED/);
  expect(err.message).not.toMatch(/hunter2|authSource/);
});

test('connectTimeoutMs must be a positive number of ms', () => {
  expect(() => new MongoBackend({ connectTimeoutMs: 0 })).toThrow(ValidationError);
  expect(() => new MongoBackend({ connectTimeoutMs: '5s' as unknown as number })).toThrow(ValidationError);
});

test('the old backend-wide keepCompleted option is refused, saying where the setting moved', () => {
  expect(() => new MongoBackend({ keepCompleted: { ms: 1000 } } as never)).toThrow(/options\.keepCompleted.*subscribe\(/);
  expect(() => new MongoBackend({ keepCompleted: { ms: 1000 } } as never)).toThrow(ValidationError);
});
