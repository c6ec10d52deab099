import { MemoryBackend } from '@wrkr/backend-memory';
import { DuplicateWorkerError, Wrkr } from '../src';
import { eventually, memoryWrkrs } from './harness';

describe('worker registration', () => {
  const { make, store } = memoryWrkrs();

  it('registers workers with unique ids and heartbeats', async () => {
    const a = await make({ worker: { id: 'worker-1', heartbeat: 100, meta: { role: 'test' } } });
    const dup = new Wrkr({ backend: new MemoryBackend({ store: store() }), worker: { id: 'worker-1' } });
    await expect(dup.start()).rejects.toBeInstanceOf(DuplicateWorkerError);
    const list = await a.workers();
    expect(list.map((x) => x.id)).toEqual(['worker-1']);
    expect(list[0]!.meta).toMatchObject({ role: 'test', pid: process.pid });
    await a.subscribe('jobs', 'job.x', async () => undefined);
    await eventually(async () => JSON.stringify((await a.workers())[0]!.meta.queues) === '["jobs"]', 1000);
    const first = (await a.workers())[0]!.heartbeatAt;
    await eventually(async () => (await a.workers())[0]!.heartbeatAt > first, 1000);
    await a.stop();
    expect(await (await make()).workers()).toEqual([]);
  });
});
