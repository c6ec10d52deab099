import { MemoryBackend } from '@wrkr/backend-memory';
import { NotSupportedError, StaleLeaseError, ValidationError, Wrkr, isWrkrError, type ClaimOptions, type Delivery } from '../src';
import { memoryWrkrs, sleep } from './harness';

describe('sticky pull: fetch, ack and nack by worker', () => {
  const { make } = memoryWrkrs();

  it('gives a worker that lost its token the item it holds, in another process, under a new lease; ack by worker removes it', async () => {
    const [before, after] = [await make(), await make()];
    await before.send('jobs', [{ name: 'job.a', data: 1 }, { name: 'job.b', data: 2 }]);
    const lost = await before.fetch<number>('jobs', { worker: 'ext-1', visibilityTimeout: '1m' });
    expect(lost).toMatchObject({ attempt: 1, event: { name: 'job.a', data: 1 } });
    const back = await after.fetch<number>('jobs', { worker: 'ext-1', visibilityTimeout: '1m' });
    expect(back).toMatchObject({ id: lost!.id, attempt: 2, event: { name: 'job.a', data: 1 } });
    expect(back!.token).not.toBe(lost!.token);
    await expect(before.ack(lost!)).rejects.toBeInstanceOf(StaleLeaseError);
    expect(await after.fetch('jobs', { worker: 'ext-2' })).toMatchObject({ event: { name: 'job.b' } });
    expect(await after.fetch('jobs')).toBeNull();
    await after.ack('jobs', { worker: 'ext-1' });
    expect(await after.stats('jobs')).toMatchObject({ ready: 0, inFlight: 1 });
    const err = await after.ack('jobs', { worker: 'ext-1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleLeaseError);
    expect((err as StaleLeaseError).message).toBe('worker ext-1 holds no lease on jobs (acked, nacked, expired, or never fetched by it)');
    expect((err as StaleLeaseError).details).toEqual({ queue: 'jobs', worker: 'ext-1' });
  });

  it('nack by worker retries or fails the held item, and the worker holds nothing after', async () => {
    const w = await make();
    await w.send('jobs', { name: 'job.a' });
    await w.fetch('jobs', { worker: 'ext-1' });
    await w.nack('jobs', { worker: 'ext-1', delay: '1m', error: new Error('later') });
    expect(await w.stats('jobs')).toMatchObject({ delayed: 1, inFlight: 0 });
    await expect(w.nack('jobs', { worker: 'ext-1' })).rejects.toBeInstanceOf(StaleLeaseError);
    await w.send('jobs', { name: 'job.b' });
    await w.fetch('jobs', { worker: 'ext-1' });
    await w.nack('jobs', { worker: 'ext-1', fail: true, error: new Error('broken') });
    expect((await w.failed('jobs')).map((f) => [f.event?.name, f.error.message])).toEqual([['job.b', 'broken']]);
  });

  it('after the visibility timeout the item goes to the next worker and the first one no longer holds it', async () => {
    const w = await make();
    await w.send('jobs', { name: 'job.a' });
    const first = await w.fetch('jobs', { worker: 'ext-1', visibilityTimeout: 60 });
    await sleep(80);
    expect(await w.fetch('jobs', { worker: 'ext-2' })).toMatchObject({ id: first!.id, attempt: 2 });
    expect(await w.fetch('jobs', { worker: 'ext-1' })).toBeNull();
    await expect(w.ack('jobs', { worker: 'ext-1' })).rejects.toBeInstanceOf(StaleLeaseError);
    await w.ack('jobs', { worker: 'ext-2' });
  });

  it('keeps an item a worker\'s fetch claimed as its signal aborted for that worker instead of giving it back', async () => {
    const stop = new AbortController();
    // The abort lands while the claim is returning its item: the race a disconnecting HTTP client makes.
    class AbortingAsItArrives extends MemoryBackend {
      override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
        const got = await super.claim(queue, options);
        stop.abort();
        return got;
      }
    }
    const w = new Wrkr({ backend: new AbortingAsItArrives(), worker: false, scheduler: false });
    await w.start();
    try {
      await w.send('jobs', { name: 'job.a' });
      expect(await w.fetch('jobs', { worker: 'ext-1', visibilityTimeout: '1h', signal: stop.signal })).toBeNull();
      expect(await w.stats('jobs')).toMatchObject({ ready: 0, inFlight: 1 });
      expect(await w.fetch('jobs', { worker: 'ext-1' })).toMatchObject({ event: { name: 'job.a' }, attempt: 2 });
    } finally {
      await w.stop();
    }
  });

  it.each([
    ['an empty worker id', () => ({ worker: '' })],
    ['a worker id with a space', () => ({ worker: 'ext 1' })],
    ['a worker id over 200 characters', () => ({ worker: 'x'.repeat(201) })],
    ['a worker id that is not a string', () => ({ worker: 7 })],
  ])('refuses %s with a ValidationError on fetch, ack and nack', async (_what, options) => {
    const w = await make();
    await w.send('jobs', { name: 'job.a' });
    for (const call of [() => w.fetch('jobs', options() as never), () => w.ack('jobs', options() as never), () => w.nack('jobs', options() as never)]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).message).toMatch(/options\.worker/);
    }
    expect(await w.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it('refuses unknown keys and a queue that is not a name on ack and nack by worker', async () => {
    const w = await make();
    await expect(w.ack('jobs', { worker: 'ext-1', delay: 1 } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(w.nack('jobs', { worker: 'ext-1', token: 'x' } as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(w.ack('bad queue', { worker: 'ext-1' })).rejects.toBeInstanceOf(ValidationError);
    await expect(w.ack('jobs', undefined as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses sticky pull with NotSupportedError on a backend that declares stickyPull false, in Wrkr and in the backend itself', async () => {
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, stickyPull: false } });
    const w = new Wrkr({ backend, worker: false });
    await w.start();
    try {
      await w.send('jobs', { name: 'job.a' });
      for (const call of [() => w.fetch('jobs', { worker: 'ext-1' }), () => w.ack('jobs', { worker: 'ext-1' }), () => w.nack('jobs', { worker: 'ext-1' })]) {
        await expect(call()).rejects.toBeInstanceOf(NotSupportedError);
      }
      const direct = await backend.claim('jobs', { max: 1, leaseMs: 1000, waitMs: 0, holder: 'ext-1' }).catch((e: unknown) => e);
      expect(isWrkrError(direct, 'ERR_WRKR_NOT_SUPPORTED')).toBe(true);
      await expect(backend.heldBy('jobs', 'ext-1')).rejects.toMatchObject({ code: 'ERR_WRKR_NOT_SUPPORTED' });
      expect(await w.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
    } finally {
      await w.stop();
    }
  });
});
