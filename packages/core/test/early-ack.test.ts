import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '../src';
import { collectingLogger, eventually, sleep } from './harness';

let wrkr: Wrkr;
afterEach(async () => wrkr?.stop({ timeout: 0 }));

describe('ctx.ack()', () => {
  test('acknowledges at once: the item is gone while the handler still runs, and a later throw is logged, not retried', async () => {
    const { logger, lines } = collectingLogger();
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false, logger });
    await wrkr.start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    const acks: boolean[] = [];
    await wrkr.subscribe(
      'jobs',
      'job.*',
      async (_event, ctx) => {
        seen.push(ctx.attempt);
        acks.push(await ctx.ack(), await ctx.ack());
        await gate;
        throw new Error('after the ack');
      },
      { retry: { attempts: 3, delay: 0 } },
    );
    const completed: unknown[] = [];
    wrkr.on('completed', (e) => completed.push(e));
    const { id } = await wrkr.publish({ name: 'job.run' });
    await eventually(() => seen.length === 1);
    await eventually(async () => (await wrkr.stats('jobs')).inFlight === 0);
    expect(await wrkr.stats('jobs')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    release();
    await eventually(() => lines.some((l) => l.msg === 'handler failed after ctx.ack(); the item was acknowledged, so it is not retried'));
    await sleep(50);
    expect(seen).toEqual([1]);
    expect(acks).toEqual([true, true]);
    expect(await wrkr.stats('jobs')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    expect(completed).toHaveLength(1);
    expect(lines.find((l) => String(l.msg).startsWith('handler failed after'))).toMatchObject({ err: { message: 'after the ack' }, id });
  });
});
