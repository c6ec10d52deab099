import { MemoryBackend, MemoryStore } from '@wrkr/backend-memory';
import { Wrkr } from '../src';
import { PROGRESS_WRITE_MS } from '../src/progress-writer';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('stored ctx.progress', () => {
  const { make } = memoryWrkrs();

  it('is readable from another process while the job runs, and gone once it is acked', async () => {
    const w = await make();
    const manager = await make();
    let finish!: () => void;
    const release = new Promise<void>((resolve) => (finish = resolve));
    let started!: (id: string) => void;
    const running = new Promise<string>((resolve) => (started = resolve));
    await w.subscribe('reports', 'report.build', async (e, ctx) => {
      ctx.progress({ step: 'fetch', done: 1 });
      started(e.id);
      await release;
    });
    const completed = new Promise((resolve) => w.once('completed', resolve));
    await w.publish({ name: 'report.build' });
    const id = await running;
    await eventually(async () => (await manager.progress('reports', id)) !== undefined);
    expect(await manager.progress('reports', id)).toEqual({ step: 'fetch', done: 1 });
    expect(await manager.job('reports', id)).toMatchObject({ state: 'inFlight', progress: { step: 'fetch', done: 1 } });
    finish();
    await completed;
    expect(await manager.progress('reports', id)).toBeUndefined();
    expect(await manager.job('reports', id)).toBeUndefined();
  });

  it('throttles a tight loop to a few writes and always writes the last value', async () => {
    const store = new MemoryStore();
    const backend = new MemoryBackend({ store });
    const writes: string[] = [];
    const setProgress = backend.setProgress.bind(backend);
    backend.setProgress = (ref, value) => (writes.push(value), setProgress(ref, value));
    const w = new Wrkr({ backend, worker: false });
    await w.start();
    try {
      let lastSeen: unknown;
      await w.subscribe('loop', 'loop.run', async (e, ctx) => {
        const until = Date.now() + 2 * PROGRESS_WRITE_MS;
        let i = 0;
        while (Date.now() < until) {
          ctx.progress(++i);
          await sleep(1);
        }
        ctx.progress({ final: i });
        // Read just before the handler ends: the throttled writes may lag, the flush at the end may not.
        lastSeen = i;
      });
      const completed = new Promise((resolve) => w.once('completed', resolve));
      await w.publish({ name: 'loop.run' });
      await completed;
      expect(writes.length).toBeLessThanOrEqual(6);
      expect(writes.at(-1)).toBe(JSON.stringify({ final: lastSeen }));
    } finally {
      await w.stop({ timeout: 200 });
    }
  });

  it('refuses a value that is not JSON or too large, in the handler, with a ValidationError', async () => {
    const w = await make();
    const errors: unknown[] = [];
    await w.subscribe('bad', 'bad.progress', (e, ctx) => {
      for (const value of [{ big: 'x'.repeat(5000) }, { n: 1n } as never]) {
        try {
          ctx.progress(value);
        } catch (err) {
          errors.push(err);
        }
      }
    });
    const completed = new Promise((resolve) => w.once('completed', resolve));
    await w.publish({ name: 'bad.progress' });
    await completed;
    expect(errors).toEqual([expect.objectContaining({ code: 'ERR_WRKR_VALIDATION' }), expect.objectContaining({ code: 'ERR_WRKR_VALIDATION' })]);
  });
});
