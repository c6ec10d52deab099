import { ClosedError, Wrkr } from '../src';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('Wrkr lifecycle: start, stop and draining', () => {
  const { make } = memoryWrkrs();

  it('uses the memory backend when none is given', async () => {
    const w = new Wrkr();
    await w.start();
    expect(w.backend.name).toBe('memory');
    await w.stop();
  });

  it('drains in-flight handlers on stop', async () => {
    const w = await make();
    let finished = false;
    await w.subscribe('drain', 'job.drain', async () => {
      await sleep(150);
      finished = true;
    });
    await w.publish({ name: 'job.drain' });
    await eventually(() => w.inFlight === 1);
    await w.stop({ timeout: '5s' });
    expect(finished).toBe(true);
    const after = await make();
    expect(await after.stats('drain')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
    await expect(w.publish({ name: 'x' })).rejects.toBeInstanceOf(ClosedError);
  });

  it('aborts and releases handlers still running at the stop timeout, losing nothing', async () => {
    const w = await make();
    let signal: AbortSignal | undefined;
    await w.subscribe('stuck', 'job.stuck', async (_e, ctx) => {
      signal = ctx.signal;
      await sleep(2000);
    }, { visibilityTimeout: '1 minute' });
    await w.publish({ name: 'job.stuck' });
    await eventually(() => w.inFlight === 1);
    await w.stop({ timeout: 50 });
    expect(signal!.aborted).toBe(true);
    const next = await make();
    const item = await next.fetch('stuck');
    expect(item).not.toBeNull();
    expect(item!.attempt).toBe(1); // the release did not count as an attempt
  });
});
