import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr, type JobLifecycle } from '../src';
import { eventually, memoryWrkrs } from './harness';

describe('pull API settlements publish lifecycle events', () => {
  const { make, store } = memoryWrkrs();

  it('ack, nack (retry) and nack (fail) of pulled items are seen by watchers and counted, like a handler outcome', async () => {
    const puller = await make();
    const manager = await make();
    const watch = await manager.watch('pulled');
    const seen: JobLifecycle[] = [];
    watch.on('event', (e) => seen.push(e));
    const a = (await manager.send('pulled', { name: 'pull.a' })) as { id: string };
    const b = (await manager.send('pulled', { name: 'pull.b' })) as { id: string };
    const c = (await manager.send('pulled', { name: 'pull.c' })) as { id: string };

    const itemA = (await puller.fetch('pulled'))!;
    await puller.ack(itemA, { result: { rows: 3 }, keepCompleted: { count: 10, age: '1h' } });
    const itemB = (await puller.fetch('pulled'))!;
    await puller.nack(itemB, { error: new Error('try again'), delay: '1h' });
    const itemC = (await puller.fetch('pulled'))!;
    await puller.nack(itemC, { error: new Error('bad input'), fail: true });

    await eventually(() => seen.length === 3);
    expect(seen.find((e) => e.id === a.id)).toMatchObject({ kind: 'completed', queue: 'pulled', name: 'pull.a', attempt: 1, result: { rows: 3 } });
    expect(seen.find((e) => e.id === b.id)).toMatchObject({ kind: 'retrying', name: 'pull.b', attempt: 1, error: { message: 'try again' } });
    expect(seen.find((e) => e.id === b.id)!.dueAt).toBeGreaterThan(Date.now() + 3_000_000);
    expect(seen.find((e) => e.id === c.id)).toMatchObject({ kind: 'failed', name: 'pull.c', attempt: 1, error: { message: 'bad input' } });
    await eventually(async () => (await manager.counters('pulled')).failed === 1);
    expect(await manager.counters('pulled')).toMatchObject({ completed: 1, failed: 1, retried: 1 });
    await watch.close();
  });

  it('a lease settled by another Wrkr than the one that fetched it (as over HTTP) and a worker’s held item are looked up, and a stale lease publishes nothing', async () => {
    const fetcher = await make();
    const settler = await make();
    const manager = await make();
    const watch = await manager.watch('ext');
    const seen: JobLifecycle[] = [];
    watch.on('event', (e) => seen.push(e));
    const one = (await manager.send('ext', { name: 'ext.one' })) as { id: string };
    const two = (await manager.send('ext', { name: 'ext.two' })) as { id: string };

    const item = (await fetcher.fetch('ext'))!;
    await settler.ack({ queue: item.queue, id: item.id, token: item.token });
    await expect(settler.ack({ queue: item.queue, id: item.id, token: item.token })).rejects.toMatchObject({ code: 'ERR_WRKR_STALE_LEASE' });
    await fetcher.fetch('ext', { worker: 'w-1' });
    await settler.nack('ext', { worker: 'w-1', fail: true, error: 'gave up' });

    await eventually(() => seen.length === 2);
    expect(seen.map((e) => `${e.kind}:${e.name}:${e.id}`)).toEqual([`completed:ext.one:${one.id}`, `failed:ext.two:${two.id}`]);
    expect(await manager.counters('ext')).toMatchObject({ completed: 1, failed: 1, retried: 0 });
    await watch.close();
  });

  it('without job lookup, leases fetched by the same Wrkr still publish', async () => {
    const backend = new MemoryBackend({ store: store() });
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, jobLookup: false } });
    const w = new Wrkr({ backend, worker: false });
    await w.start();
    try {
      await w.send('nolookup', { name: 'n' });
      await w.ack((await w.fetch('nolookup'))!);
      await eventually(async () => (await w.counters('nolookup')).completed === 1);
    } finally {
      await w.stop();
    }
  });
});
