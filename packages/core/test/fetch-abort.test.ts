import { MemoryBackend } from '@wrkr/backend-memory';
import { ValidationError, Wrkr, type ClaimOptions, type Delivery } from '../src';

const started: Wrkr[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((w) => w.stop({ timeout: 0 })));
});
async function make(backend = new MemoryBackend()): Promise<Wrkr> {
  const w = new Wrkr({ backend, worker: false, scheduler: false });
  await w.start();
  started.push(w);
  return w;
}

describe('fetch with an abort signal', () => {
  it('an aborted wait resolves null and leaves later items to the next consumer', async () => {
    const w = await make();
    const ac = new AbortController();
    const t0 = Date.now();
    const pending = w.fetch('jobs', { wait: '10s', signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    expect(await pending).toBeNull();
    expect(Date.now() - t0).toBeLessThan(2000);
    await w.send('jobs', { name: 'job.run' });
    expect(await w.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it('an already aborted signal claims nothing', async () => {
    const w = await make();
    await w.send('jobs', { name: 'job.run' });
    expect(await w.fetch('jobs', { signal: AbortSignal.abort() })).toBeNull();
    expect(await w.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
  });

  it('an item claimed just as the signal aborts is given back untouched, not hidden for its lease', async () => {
    const ac = new AbortController();
    // The abort lands while the claim is returning its item: the race a disconnecting HTTP client makes.
    class AbortingAsItArrives extends MemoryBackend {
      override async claim(queue: string, options: ClaimOptions): Promise<Delivery[]> {
        const got = await super.claim(queue, options);
        ac.abort();
        return got;
      }
    }
    const w = await make(new AbortingAsItArrives());
    await w.send('jobs', { name: 'job.run' });
    expect(await w.fetch('jobs', { visibilityTimeout: '1h', signal: ac.signal })).toBeNull();
    expect(await w.stats('jobs')).toMatchObject({ ready: 1, inFlight: 0 });
    expect((await w.fetch('jobs'))?.attempt).toBe(1);
  });

  it('refuses a signal that is not an AbortSignal', async () => {
    const w = await make();
    await expect(w.fetch('jobs', { signal: {} as AbortSignal })).rejects.toThrow(ValidationError);
  });
});
