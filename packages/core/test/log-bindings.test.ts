import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr, type WrkrEvent } from '../src';
import { collectingLogger, eventually } from './harness';

let wrkr: Wrkr;
afterEach(async () => wrkr?.stop({ timeout: 0 }));

describe('subscribe { logBindings }', () => {
  test("adds its fields to ctx.log and to wrkr's own line about a failed attempt", async () => {
    const { logger, lines } = collectingLogger();
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false, logger });
    await wrkr.start();
    const logBindings = (e: WrkrEvent<{ user: string }>) => ({ user: e.data?.user });
    await wrkr.subscribe<{ user: string }>(
      'jobs',
      'job.*',
      (_event, ctx) => {
        ctx.log.info('working');
        throw new Error('nope');
      },
      { logBindings, retry: { attempts: 1 } },
    );
    await wrkr.publish({ name: 'job.run', data: { user: 'ann' } });
    await eventually(async () => (await wrkr.stats('jobs')).failed === 1);
    const about = lines.filter((l) => l.queue === 'jobs' && typeof l.id === 'string');
    expect(about.map((l) => l.msg)).toEqual(['working', 'handler failed; no attempts left, moving to the failed store']);
    for (const l of about) expect(l).toMatchObject({ user: 'ann', event: 'job.run', attempt: 1 });
    expect(about[1]).toMatchObject({ ms: expect.any(Number), err: { message: 'nope' } });
  });

  test('a throwing logBindings costs its fields, not the job', async () => {
    const { logger, lines } = collectingLogger();
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false, logger });
    await wrkr.start();
    let handled = 0;
    await wrkr.subscribe('jobs', 'job.*', (_e, ctx) => (ctx.log.info('working'), handled++), {
      logBindings: () => {
        throw new Error('bad helper');
      },
    });
    await wrkr.publish({ name: 'job.run' });
    await eventually(() => handled === 1);
    expect(lines.find((l) => l.msg === 'logBindings threw; logging without its fields')).toMatchObject({ err: { message: 'bad helper' } });
    expect(lines.find((l) => l.msg === 'working')).toMatchObject({ queue: 'jobs', event: 'job.run' });
    await eventually(async () => (await wrkr.stats('jobs')).ready + (await wrkr.stats('jobs')).inFlight === 0);
  });
});
