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

test('wrkr abort stops a handler running in another process and fails the job with --fail; exit 1 when not in flight', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    let started!: (id: string) => void;
    const running = new Promise<string>((resolve) => (started = resolve));
    await wrkr.subscribe('reports', 'report.build', (e, ctx) => new Promise((_, reject) => {
      started(e.id);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    }));
    const failed = new Promise((resolve) => wrkr.once('failed', resolve));
    await wrkr.publish({ name: 'report.build' });
    const id = await running;
    expect(await runCli(['abort', 'reports', id, '--reason', 'wrong month', '--fail', '--backend', backend])).toMatchObject({ code: 0, stdout: `aborted reports/${id}\n` });
    await failed;
    const [item] = await wrkr.failed('reports');
    expect(item).toMatchObject({ attempt: 1, error: { code: 'ERR_WRKR_ABORTED', message: expect.stringContaining('wrong month') } });
    const again = await runCli(['abort', 'reports', id, '--backend', backend, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toEqual({ queue: 'reports', id, aborted: false });
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});
