import { join } from 'node:path';
import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import pino from 'pino';
import { readChains } from '../src/chain';
import { runTasks } from '../src/run-tasks';

const FIXTURES = join(__dirname, 'fixtures');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const math = require('./fixtures/steps/math.js') as { calls: string[] };

let wrkr: Wrkr;
beforeEach(async () => {
  math.calls.length = 0;
  wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
  await wrkr.start();
  const chains = readChains(
    [{ name: 'calc', queue: 'calc', patterns: ['num.in'], steps: [{ module: './steps/math.js', fn: 'add' }, { module: './steps/math.js', fn: 'double' }], publish: 'num.out', options: { retry: { attempts: 1 } } }],
    FIXTURES,
  );
  await wrkr.bind('results', 'num.out');
  await runTasks(wrkr, [], chains, {}, pino({ level: 'silent' }));
});
afterEach(() => wrkr.stop({ timeout: 0 }));

const nextResult = async (): Promise<{ data?: unknown; headers: Record<string, string>; tid?: string }> => {
  const item = await wrkr.fetch('results', { wait: '5s' });
  if (!item) throw new Error('no follow-up event');
  await wrkr.ack(item);
  return item.event;
};

test('a chain runs its steps in order and publishes the result as the follow-up event', async () => {
  await wrkr.publish({ name: 'num.in', tid: 't1', data: { n: 4 } });
  expect(await nextResult()).toMatchObject({ tid: 't1', data: { n: 10 } });
  expect(math.calls).toEqual(['add', 'double']);
});

test('simulate skips the steps and passes the data on, marked as simulated', async () => {
  await wrkr.publish({ name: 'num.in', data: { n: 4 }, headers: { simulate: 'true' } });
  expect(await nextResult()).toMatchObject({ data: { n: 4 }, headers: { simulate: 'true' } });
  await wrkr.publish({ name: 'num.in', data: { n: 1, simulate: true } });
  expect(await nextResult()).toMatchObject({ data: { n: 1, simulate: true } });
  expect(math.calls).toEqual([]);
});

test('a failing step takes the normal failure path (failed store after the last attempt)', async () => {
  const failed = new Promise((resolve) => wrkr.once('failed', resolve));
  await wrkr.publish({ name: 'num.in', data: { n: -5 } });
  expect(await failed).toMatchObject({ queue: 'calc', error: expect.objectContaining({ message: 'negative' }) });
  expect(await wrkr.stats('results')).toMatchObject({ ready: 0 });
});

test('chain config errors name the field', async () => {
  expect(() => readChains([{ name: 'c', queue: 'q', steps: [] }], FIXTURES)).toThrow(/config\.chains\[0\]\.steps: must be a non-empty array/);
  expect(() => readChains([{ name: 'c', queue: 'q', steps: [{ module: './x.js' }] }], FIXTURES)).toThrow(/config\.chains\[0\]\.steps\[0\]\.fn/);
  await expect(runTasks(wrkr, [], readChains([{ name: 'c', queue: 'q', steps: [{ module: './steps/math.js', fn: 'nope' }] }], FIXTURES), {}, pino({ level: 'silent' }))).rejects.toThrow(
    /does not export a function nope/,
  );
});
