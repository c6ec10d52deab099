import { RedisBackend } from '@wrkr/backend-redis';
import { Wrkr } from '@wrkr/core';
import { main } from '../src/main';

const namespace = `cli-limits-${process.pid}-${Date.now()}`;
const backend = `redis://127.0.0.1:6379?namespace=${namespace}`;

const run = async (argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => ((stdout += s), true) }, stderr: { write: (s: string) => ((stderr += s), true) }, env: {}, cwd: process.cwd() };
  const code = await main([...argv, '--backend', backend], io);
  return { code, stdout, stderr };
};

let wrkr: Wrkr;
beforeAll(async () => {
  wrkr = new Wrkr({ backend: new RedisBackend({ namespace }), worker: false, scheduler: false });
  await wrkr.start();
});
afterAll(async () => {
  await wrkr.setQueueLimits('mailer', null);
  await wrkr.stop();
});

test('wrkr limits sets, shows and removes the limits every process honours', async () => {
  expect(await run(['limits', 'mailer'])).toMatchObject({ code: 0, stdout: 'mailer: no limits\n' });
  expect(await run(['limits', 'mailer', '--concurrency', '10', '--rate', '100/1m'])).toMatchObject({ code: 0, stdout: 'mailer: concurrency 10, rate 100 per 60000 ms\n' });
  expect(await wrkr.queueLimits('mailer')).toEqual({ concurrency: 10, rate: { max: 100, per: 60_000 } });
  expect((await run(['stats', 'mailer'])).stdout).toMatch(/\nmailer\s+0\s+0\s+0\s+0\s+concurrency 10, rate 100 per 60000 ms\n/);
  const shown = await run(['limits', 'mailer', '--json']);
  expect(JSON.parse(shown.stdout)).toEqual({ queue: 'mailer', limits: { concurrency: 10, rate: { max: 100, per: 60_000 } } });
  expect(await run(['limits', 'mailer', '--remove'])).toMatchObject({ code: 0, stdout: 'mailer: no limits\n' });
  expect(await wrkr.queueLimits('mailer')).toEqual({});
});

test('wrkr limits refuses a malformed rate or concurrency with exit 2, changing nothing', async () => {
  await wrkr.setQueueLimits('mailer', { concurrency: 4 });
  for (const flags of [['--rate', '100'], ['--rate', 'x/1m'], ['--rate', '5/soon'], ['--concurrency', 'many'], ['--concurrency', '0'], ['--remove', '--concurrency', '2']]) {
    const res = await run(['limits', 'mailer', ...flags]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^wrkr limits: /);
  }
  expect(await wrkr.queueLimits('mailer')).toEqual({ concurrency: 4 });
});

test('wrkr limits sets and shows fair groups: by a header or tid, with a group concurrency and rate', async () => {
  const set = await run(['limits', 'mailer', '--concurrency', '20', '--group-by', 'tenant', '--group-concurrency', '2', '--group-rate', '30/1m']);
  expect(set).toMatchObject({ code: 0, stdout: 'mailer: concurrency 20, per header tenant: concurrency 2, rate 30 per 60000 ms\n' });
  expect(await wrkr.queueLimits('mailer')).toEqual({ concurrency: 20, group: { by: 'tenant', concurrency: 2, rate: { max: 30, per: 60_000 } } });
  expect(await run(['limits', 'mailer', '--group-by', 'tid', '--group-rate', '5/1s'])).toMatchObject({ code: 0, stdout: 'mailer: per tid: rate 5 per 1000 ms\n' });
  expect(JSON.parse((await run(['limits', 'mailer', '--json'])).stdout)).toEqual({ queue: 'mailer', limits: { group: { by: 'tid', rate: { max: 5, per: 1000 } } } });
  expect(await run(['limits', 'mailer', '--remove'])).toMatchObject({ code: 0, stdout: 'mailer: no limits\n' });
});

test('wrkr limits refuses group flags without --group-by, a group without a limit, or malformed values, with exit 2, changing nothing', async () => {
  await wrkr.setQueueLimits('mailer', { concurrency: 4 });
  const bad = [['--group-concurrency', '2'], ['--group-rate', '5/1s'], ['--group-by', 'tenant'], ['--group-by', 'tenant', '--group-concurrency', 'two'], ['--group-by', 'tenant', '--group-rate', '5'], ['--remove', '--group-by', 'tid']];
  for (const flags of bad) {
    const res = await run(['limits', 'mailer', ...flags]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^wrkr limits: /);
  }
  expect(await wrkr.queueLimits('mailer')).toEqual({ concurrency: 4 });
});
