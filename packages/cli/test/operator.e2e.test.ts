import { RedisBackend } from '@wrkr/backend-redis';
import { Wrkr } from '@wrkr/core';
import { ensureBuilt, runCli } from './run-cli';

const namespace = `cli-ops-${process.pid}-${Date.now()}`;
const backend = `redis://127.0.0.1:6379?namespace=${namespace}`;
const json = async (args: string[]): Promise<unknown> => {
  const r = await runCli([...args, '--backend', backend, '--json']);
  if (r.code !== 0) throw new Error(`wrkr ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

beforeAll(() => ensureBuilt(), 120_000);

test('operator commands publish, send, schedule, trigger, unschedule and inspect (--json and human)', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    await wrkr.bind('mail', 'user.*');
    expect(await json(['publish', 'user.added', '--data', '{"u":1}', '--tid', 't1', '--header', 'k=v'])).toEqual({ id: expect.any(String), dueAt: expect.any(Number) });
    await json(['send', 'mail', 'mail.direct']);
    expect(await json(['stats', 'mail'])).toEqual([{ queue: 'mail', ready: 2, delayed: 0, inFlight: 0, failed: 0 }]);

    const item = await wrkr.fetch('mail');
    expect(item?.event).toMatchObject({ name: 'user.added', tid: 't1', data: { u: 1 }, headers: { k: 'v' } });
    await wrkr.nack(item!, { fail: true, error: new Error('smtp down') });
    const failed = (await json(['failed', 'mail'])) as Array<{ id: string; error: { message: string } }>;
    expect(failed).toEqual([expect.objectContaining({ id: item!.event.id, name: 'user.added', error: expect.objectContaining({ message: 'smtp down' }) })]);
    expect(await json(['replay', 'mail', failed[0]!.id])).toEqual({ queue: 'mail', count: 1 });

    const human = await runCli(['stats', '--backend', backend]);
    expect(human.stdout).toMatch(/^QUEUE\s+READY\s+DELAYED\s+IN-FLIGHT\s+FAILED\s+LIMITS\nmail\s+2\s+0\s+0\s+0\s+-/);

    const info = (await json(['schedule', 'nightly', '--event', 'report.run', '--cron', '0 2 * * *', '--tz', 'Europe/Amsterdam', '--paused'])) as { active: boolean; rule: unknown };
    expect(info).toMatchObject({ active: false, rule: { cron: '0 2 * * *', tz: 'Europe/Amsterdam' } });
    await wrkr.bind('reports', 'report.*');
    await json(['trigger', 'nightly']);
    expect(await wrkr.stats('reports')).toMatchObject({ ready: 1 });
    expect(await json(['schedules'])).toEqual([expect.objectContaining({ name: 'nightly' })]);
    expect(await json(['unschedule', 'nightly'])).toEqual({ name: 'nightly', removed: true });
    const again = await runCli(['unschedule', 'nightly', '--backend', backend]);
    expect(again).toMatchObject({ code: 1, stdout: 'no schedule nightly\n' });

    const bad = await runCli(['publish', 'x.y', '--data', '{nope', '--backend', backend]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--data: is not valid JSON/);
    const trig = await runCli(['trigger', 'missing', '--backend', backend]);
    expect(trig).toMatchObject({ code: 1, stderr: expect.stringMatching(/schedule missing not found/) });
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});

test('replay and purge of ids that are not failed say which, change nothing and exit 1', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    await wrkr.send('orders', { name: 'order.process', id: 'order-1' });
    const item = await wrkr.fetch('orders');
    await wrkr.nack(item!, { fail: true, error: new Error('bad') });

    for (const [command, verb] of [['replay', 'replayed'], ['purge', 'purged']] as const) {
      const human = await runCli([command, 'orders', 'order-1', 'nope-1', 'nope-2', '--backend', backend]);
      expect(human).toMatchObject({ code: 1, stdout: `nothing ${verb}: not in the failed store of orders: nope-1, nope-2\n` });
      const asJson = await runCli([command, 'orders', 'nope-1', '--backend', backend, '--json']);
      expect(asJson.code).toBe(1);
      expect(JSON.parse(asJson.stdout)).toEqual({ queue: 'orders', count: 0, missing: ['nope-1'] });
    }
    expect(await wrkr.stats('orders')).toMatchObject({ ready: 0, failed: 1 });
    expect(await json(['purge', 'orders', 'order-1'])).toEqual({ queue: 'orders', count: 1 });
    expect(await wrkr.stats('orders')).toMatchObject({ failed: 0 });
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});

test('job shows one job in its state (--json and human); an unknown one exits 1', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    await wrkr.send('orders', { name: 'order.process', id: 'order-2', data: { n: 2 }, when: '1h' });
    expect(await json(['job', 'orders', 'order-2'])).toEqual({
      queue: 'orders', id: 'order-2', state: 'delayed', name: 'order.process', data: { n: 2 }, attempt: 0, dueAt: expect.any(String), createdAt: expect.any(String),
    });
    const human = await runCli(['job', 'orders', 'order-2', '--backend', backend]);
    expect(human.stdout).toMatch(/^queue\s+orders\nid\s+order-2\nstate\s+delayed\n/);
    const missing = await runCli(['job', 'orders', 'nope', '--backend', backend]);
    expect(missing).toMatchObject({ code: 1, stdout: 'no job nope in orders\n' });
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});

test('jobs lists one state in its order (--json and human); a bad --state exits 2', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    const later = await wrkr.send('orders', { name: 'order.later', when: '2h' });
    const sooner = await wrkr.send('orders', { name: 'order.sooner', when: '1h' });
    const listed = (await json(['jobs', 'orders', '--state', 'delayed'])) as Array<{ id: string; state: string }>;
    expect(listed.map((j) => [j.id, j.state])).toEqual([[sooner.id, 'delayed'], [later.id, 'delayed']]);
    expect(await json(['jobs', 'orders', '--state', 'delayed', '--offset', '1'])).toEqual([expect.objectContaining({ id: later.id })]);
    const human = await runCli(['jobs', 'orders', '--state', 'delayed', '--backend', backend]);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+STATE\s+ATTEMPT\s+DUE \/ LEASE END\s+ERROR\n\S+\s+order\.sooner\s+delayed\s+0\s+\S+\n/);
    const bad = await runCli(['jobs', 'orders', '--state', 'bogus', '--backend', backend]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/options\.state/);
    const { id } = await wrkr.send('kept', { name: 'kept.one' });
    await wrkr.ack((await wrkr.fetch('kept'))!, { result: { ok: 1 }, keepCompleted: { count: 5, age: '1h' } });
    expect(await json(['jobs', 'kept', '--state', 'completed'])).toEqual([expect.objectContaining({ id, state: 'completed', result: { ok: 1 } })]);
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});

test('pending lists delayed publishes soonest first (--json and human)', async () => {
  const wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
  try {
    const later = await wrkr.publish({ name: 'remind.later', when: '2h' });
    const sooner = await wrkr.publish({ name: 'remind.sooner', tid: 'u-1', when: '1h' });
    expect(await json(['pending'])).toEqual([
      { id: sooner.id, name: 'remind.sooner', tid: 'u-1', dueAt: new Date(sooner.dueAt).toISOString() },
      { id: later.id, name: 'remind.later', dueAt: new Date(later.dueAt).toISOString() },
    ]);
    const human = await runCli(['pending', '--backend', backend]);
    expect(human.stdout).toMatch(/^ID\s+NAME\s+TID\s+DUE\n\S+\s+remind\.sooner\s+u-1\s+\S+\n\S+\s+remind\.later\s+-\s+\S+\n$/);
    await wrkr.cancel(sooner.id);
    await wrkr.cancel(later.id);
  } finally {
    for (const q of await wrkr.queues()) await wrkr.deleteQueue(q);
    await wrkr.stop();
  }
});
