import { MemoryBackend } from '@wrkr/backend-memory';
import { StaleLeaseError, ValidationError, Wrkr } from '../src';

let wrkr: Wrkr;

beforeEach(async () => {
  wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false, scheduler: false });
  await wrkr.start();
});

afterEach(() => wrkr.stop());

describe('the pull API takes a flat lease handle { queue, id, token }', () => {
  it('fetch hands out the handle on the item itself', async () => {
    const [sent] = await wrkr.send('jobs', [{ name: 'job.run' }]);
    const item = await wrkr.fetch('jobs');
    expect(item).toMatchObject({ queue: 'jobs', id: sent!.id, event: { id: sent!.id } });
    expect(typeof item!.token).toBe('string');
  });

  it('ack, nack and extend accept a bare { queue, id, token } (as it comes back over the wire)', async () => {
    await wrkr.send('jobs', [{ name: 'job.a' }, { name: 'job.b' }]);
    const a = await wrkr.fetch('jobs');
    const b = await wrkr.fetch('jobs');
    const handle = (i: typeof a) => JSON.parse(JSON.stringify({ queue: i!.queue, id: i!.id, token: i!.token })) as { queue: string; id: string; token: string };
    expect((await wrkr.extend(handle(a), '1 minute')).getTime()).toBeGreaterThan(Date.now() + 50_000);
    await wrkr.nack(handle(b), { fail: true, error: new Error('no') });
    await wrkr.ack(handle(a));
    expect(await wrkr.stats('jobs')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 1 });
  });

  it('a PulledItem still works as its own handle', async () => {
    await wrkr.send('jobs', [{ name: 'job.a' }]);
    const item = await wrkr.fetch('jobs');
    await wrkr.extend(item!, '10s');
    await wrkr.ack(item!);
    expect(await wrkr.stats('jobs')).toEqual({ ready: 0, delayed: 0, inFlight: 0, failed: 0 });
  });

  it('a malformed handle is a ValidationError naming the field; a wrong token is a StaleLeaseError; neither changes anything', async () => {
    await wrkr.send('jobs', [{ name: 'job.a' }]);
    const item = await wrkr.fetch('jobs');
    const { queue, id, token } = item!;
    for (const bad of [null, {}, { queue, token }, { queue, id: '', token }, { queue: 'a b', id, token }, { queue, id, token: 5 }]) {
      await expect(wrkr.ack(bad as never)).rejects.toBeInstanceOf(ValidationError);
      await expect(wrkr.nack(bad as never)).rejects.toBeInstanceOf(ValidationError);
      await expect(wrkr.extend(bad as never, '1s')).rejects.toBeInstanceOf(ValidationError);
    }
    await expect(wrkr.ack({ queue, id: '', token })).rejects.toMatchObject({ field: 'lease.id' });
    await expect(wrkr.ack({ queue, id, token: 'forged' })).rejects.toBeInstanceOf(StaleLeaseError);
    expect(await wrkr.stats('jobs')).toEqual({ ready: 0, delayed: 0, inFlight: 1, failed: 0 });
    await wrkr.ack({ queue, id, token });
  });
});
