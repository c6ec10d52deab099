import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr, type JobLifecycle } from '../src';
import { PROGRESS_WRITE_MS } from '../src/progress-writer';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('wrkr.watch and wrkr.counters: lifecycle across processes', () => {
  const { make } = memoryWrkrs();

  it('a manager that runs no handler sees started, progress, retrying, completed (with result) and failed, and the counters move', async () => {
    const worker = await make();
    const manager = await make();
    const watch = await manager.watch('jobs');
    const seen: JobLifecycle[] = [];
    watch.on('event', (e) => seen.push(e));
    const completed: JobLifecycle[] = [];
    watch.on('completed', (e) => completed.push(e));
    await worker.subscribe('jobs', 'job.#', async (e, ctx) => {
      ctx.progress({ step: 1 });
      if (e.name === 'job.flaky' && ctx.attempt === 1) throw new Error('first try fails');
      if (e.name === 'job.broken') throw new Error('always fails');
      return { ok: e.name };
    }, { retry: { attempts: 2, backoff: 'fixed', delay: 10 } });
    const flaky = (await worker.publish({ name: 'job.flaky' })) as { id: string };
    await eventually(() => completed.length === 1);
    const broken = (await worker.publish({ name: 'job.broken' })) as { id: string };
    await eventually(() => seen.filter((e) => e.id === broken.id && e.kind === 'failed').length === 1);

    expect(seen.filter((e) => e.id === flaky.id).map((e) => `${e.kind}:${e.attempt}`)).toEqual(['active:1', 'progress:1', 'retrying:1', 'active:2', 'progress:2', 'completed:2']);
    const retrying = seen.find((e) => e.kind === 'retrying')!;
    expect(retrying.error).toMatchObject({ message: 'first try fails', name: 'Error' });
    expect(retrying.dueAt).toBeGreaterThanOrEqual(retrying.at);
    expect(seen.find((e) => e.kind === 'progress')!.progress).toEqual({ step: 1 });
    expect(completed[0]).toMatchObject({ queue: 'jobs', id: flaky.id, name: 'job.flaky', result: { ok: 'job.flaky' } });
    expect(seen.find((e) => e.kind === 'failed')).toMatchObject({ id: broken.id, attempt: 2, error: { message: 'always fails' } });
    await eventually(async () => (await manager.counters('jobs')).failed === 1);
    expect(await manager.counters('jobs')).toMatchObject({ completed: 1, failed: 1, retried: 2 });
    await watch.close();
  });

  it('iterates with for await until closed, and sees nothing of other queues', async () => {
    const worker = await make();
    const manager = await make();
    const watch = await manager.watch('a');
    await worker.subscribe('a', 'to.a', () => 'done-a');
    await worker.subscribe('b', 'to.b', () => 'done-b');
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of watch) {
        got.push(`${e.kind}:${e.name}`);
        if (e.kind === 'completed') await watch.close();
      }
    })();
    await worker.publish({ name: 'to.b' });
    await sleep(50);
    await worker.publish({ name: 'to.a' });
    await loop;
    expect(got).toEqual(['active:to.a', 'completed:to.a']);
  });

  it('a throwing listener is logged and the others still get the event; stop() closes open watches', async () => {
    const worker = await make();
    const manager = await make();
    const watch = await manager.watch('q');
    watch.on('active', () => {
      throw new Error('listener bug');
    });
    const kinds: string[] = [];
    watch.on('event', (e) => kinds.push(e.kind));
    await worker.subscribe('q', 'x', () => undefined);
    await worker.publish({ name: 'x' });
    await eventually(() => kinds.includes('completed'));
    await manager.stop();
    const ended = (async () => {
      const rest: JobLifecycle[] = [];
      for await (const e of watch) rest.push(e);
      return rest;
    })();
    expect(await ended).toEqual([]);
  });

  it('throttles the progress events of a tight ctx.progress loop like stored progress, and always sends the last value', async () => {
    const worker = await make();
    const manager = await make();
    const watch = await manager.watch('loop');
    const progress: unknown[] = [];
    watch.on('progress', (e) => progress.push(e.progress));
    const done = new Promise((resolve) => watch.once('completed', resolve));
    let calls = 0;
    await worker.subscribe('loop', 'loop.run', async (e, ctx) => {
      const until = Date.now() + 2 * PROGRESS_WRITE_MS;
      while (Date.now() < until) {
        ctx.progress(++calls);
        await sleep(1);
      }
      ctx.progress({ final: calls });
    });
    await worker.publish({ name: 'loop.run' });
    await done;
    // Two throttle windows of calls: the first value, about one per window, and the flush at the end.
    expect(calls).toBeGreaterThan(20);
    expect(progress.length).toBeLessThanOrEqual(6);
    expect(progress[0]).toBe(1);
    expect(progress.at(-1)).toEqual({ final: calls });
    await watch.close();
  });

  it('refuses a bad queue name, and a backend without lifecycleEvents with NotSupportedError', async () => {
    const w = await make();
    await expect(w.watch('bad queue\n')).rejects.toMatchObject({ code: 'ERR_WRKR_VALIDATION' });
    await expect(w.counters('')).rejects.toMatchObject({ code: 'ERR_WRKR_VALIDATION' });
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, lifecycleEvents: false } });
    const without = new Wrkr({ backend, worker: false });
    await without.start();
    await expect(without.watch('q')).rejects.toMatchObject({ code: 'ERR_WRKR_NOT_SUPPORTED' });
    await without.stop();
  });
});
