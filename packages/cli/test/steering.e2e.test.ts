import { RedisBackend } from '@wrkr/backend-redis';
import { Wrkr } from '@wrkr/core';
import { ensureBuilt, runCli } from './run-cli';

const namespace = `cli-steer-${process.pid}-${Date.now()}`;
const backend = `redis://127.0.0.1:6379?namespace=${namespace}`;

beforeAll(() => ensureBuilt(), 120_000);

test('wrkr pause stops another process fetching from the queue; stats mark it; wrkr resume lets it fetch again', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    await wrkr.send('orders', { name: 'order.placed' });
    expect(await runCli(['pause', 'orders', '--backend', backend])).toMatchObject({ code: 0, stdout: 'paused orders\n' });
    expect(await wrkr.fetch('orders')).toBeNull();
    expect((await runCli(['stats', 'orders', '--backend', backend])).stdout).toMatch(/\norders \(paused\)\s+1\s/);
    const resumed = await runCli(['resume', 'orders', '--backend', backend, '--json']);
    expect(JSON.parse(resumed.stdout)).toEqual({ queue: 'orders', paused: false });
    expect((await wrkr.fetch('orders'))?.event.name).toBe('order.placed');
    expect((await runCli(['pause', '--backend', backend])).code).toBe(2);
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});
