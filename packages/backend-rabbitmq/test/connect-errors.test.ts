import { amqpUrl, freePort } from '@wrkr/backend-tests/services';
import { BackendError } from '@wrkr/core';
import { RabbitMqBackend } from '../src';

async function startError(url: string): Promise<Error> {
  const backend = new RabbitMqBackend({ url, namespace: 'connect_errors' });
  const err = (await backend.start().catch((e: unknown) => e)) as Error;
  await backend.close();
  return err;
}

test('a refused login names the masked URL and the cause, never the password', async () => {
  const good = new URL(await amqpUrl());
  const url = `amqp://${good.username || 'guest'}:hunter2@${good.host}/`;
  const err = await startError(url);
  expect(err).toBeInstanceOf(BackendError);
  expect(err.message).toContain(`cannot connect to RabbitMQ at amqp://${good.username || 'guest'}:***@${good.host}/: `);
  expect(err.message).toMatch(/ACCESS.REFUSED/);
  expect(err.message).not.toContain('hunter2');
});

test('a closed port names host:port and the refusal', async () => {
  const port = await freePort();
  const err = await startError(`amqp://127.0.0.1:${port}`);
  expect(err.message).toBe(`cannot connect to RabbitMQ at amqp://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`);
});
