import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliProcess, ensureBuilt, FIXTURES, runCli } from './run-cli';

const TASKS = join(FIXTURES, 'tasks');
const redisUrl = (tag: string): string => `redis://127.0.0.1:6379?namespace=cli-${tag}-${process.pid}-${Date.now()}`;

beforeAll(() => ensureBuilt(), 120_000);

test('a worker runs config schedules through its tasks, and SIGTERM drains the running job then exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrkr-cli-'));
  const config = join(dir, 'worker.json');
  writeFileSync(config, JSON.stringify({
    paths: [TASKS],
    schedules: [{ name: 'tick', every: '1s', active: true, event: { name: 'demo.tick', data: { user: 'ann', ms: 800 } } }],
  }));
  const worker = new CliProcess(['worker', '--config', config, '--id', 'drainer', '--backend', 'memory://']);
  await worker.waitFor(/"msg":"worker ready"/);
  await worker.waitFor(/"msg":"job started"/);
  worker.child.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  const started = worker.lines('job started')[0]!;
  expect(started).toMatchObject({ task: 'greet', user: 'ann', queue: 'greet' });
  // ctx.progress() is reported as an event (and a debug line), not an info line per call.
  expect(worker.stdout).not.toMatch(/"progress":/);
  const order = worker.stdout.split('\n').map((l) => (/"msg":"([^"]+)"/.exec(l) ?? [])[1]);
  expect(order.indexOf('stopping: draining running jobs')).toBeLessThan(order.indexOf('job done'));
  expect(order.indexOf('job done')).toBeLessThan(order.indexOf('worker stopped'));
});

test('handles a published event end to end and refuses a second live worker with the same id (redis)', async () => {
  const backend = redisUrl('dup');
  const a = new CliProcess(['worker', '--backend', backend, '--paths', TASKS, '--id', 'dup-1', '--shutdown-timeout', '5s']);
  try {
    await a.waitFor(/"msg":"worker ready"/);
    const pub = await runCli(['publish', 'demo.hello', '--data', '{"user":"bob"}', '--backend', backend, '--json']);
    expect(pub.code).toBe(0);
    const { id } = JSON.parse(pub.stdout) as { id: string };
    await a.waitFor(/"greeted":"bob"/);
    expect(a.lines('job done').some((l) => l.id === id)).toBe(true);

    const b = await runCli(['worker', '--backend', backend, '--paths', TASKS, '--id', 'dup-1']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/worker id dup-1 is already held by a live worker/);

    const workers = await runCli(['workers', '--backend', backend, '--json']);
    expect(JSON.parse(workers.stdout)).toEqual([expect.objectContaining({ id: 'dup-1' })]);
  } finally {
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
  }
});

test('bad configuration is reported with the offending setting and exit code 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wrkr-cli-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ paths: [TASKS], concurrency: 'many' }));
  const fromFile = await runCli(['worker', '--config', bad]);
  expect(fromFile.code).toBe(2);
  expect(fromFile.stderr).toMatch(/config\.concurrency: must be an integer/);

  const fromEnv = await runCli(['worker', '--paths', TASKS], { WRKR_CONCURRENCY: 'abc' });
  expect(fromEnv.code).toBe(2);
  expect(fromEnv.stderr).toMatch(/WRKR_CONCURRENCY: must be an integer from 1 to 10000 \(got "abc"\)/);

  writeFileSync(bad, '{ "paths": ');
  const notJson = await runCli(['worker', '--config', bad]);
  expect(notJson.stderr).toMatch(/bad\.json is not valid JSON/);

  writeFileSync(bad, JSON.stringify({ pathz: [] }));
  expect((await runCli(['worker', '--config', bad])).stderr).toMatch(/config\.pathz: unknown option/);

  const unknownFlag = await runCli(['worker', '--bogus']);
  expect(unknownFlag.code).toBe(2);
  expect(unknownFlag.stderr).toMatch(/Unknown option '--bogus'/);

  const noTasks = await runCli(['worker', '--backend', 'memory://']);
  expect(noTasks.stderr).toMatch(/--paths: no task modules found/);
});
