import { StaleLeaseError } from '../src';
import { memoryWrkrs } from './harness';

describe('the pull API', () => {
  const { make } = memoryWrkrs();

  it('serves the pull API: fetch, extend, nack, ack, and refuses a stale ack', async () => {
    const w = await make();
    await w.send('pull', [{ name: 'job.a', data: 1 }, { name: 'job.b', data: 2 }]);
    const a = await w.fetch<number>('pull', { visibilityTimeout: 100 });
    expect(a).toMatchObject({ queue: 'pull', attempt: 1, event: { name: 'job.a', data: 1 } });
    await w.extend(a!, '5s');
    const b = await w.fetch('pull', { visibilityTimeout: 60 });
    await w.nack(b!, { delay: 0 });
    const b2 = await w.fetch('pull', { wait: 500 });
    expect(b2).toMatchObject({ attempt: 2, event: { name: 'job.b' } });
    await expect(w.ack(b!)).rejects.toBeInstanceOf(StaleLeaseError);
    await w.ack(b2!);
    await w.ack(a!);
    expect(await w.fetch('pull')).toBeNull();
    expect(await w.stats('pull')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });
});
