import { MemoryBackend } from '@wrkr/backend-memory';
import { NotSupportedError, ValidationError, Wrkr, isWrkrError } from '../src';
import { memoryWrkrs } from './harness';

describe('priority on publish/send', () => {
  const { make } = memoryWrkrs();

  it('hands out a higher priority first, FIFO within one, and 0 when none is given', async () => {
    const w = await make();
    await w.send('q', [{ name: 'p.a', data: 'low-1' }, { name: 'p.a', data: 'high', priority: 9 }, { name: 'p.a', data: 'low-2', priority: 0 }]);
    await w.bind('q', 'p.#');
    await w.publish({ name: 'p.b', data: 'mid', priority: 4 });
    const got: unknown[] = [];
    for (let item = await w.fetch('q'); item !== null; item = await w.fetch('q')) {
      got.push(item.event.data);
      await w.ack(item);
    }
    expect(got).toEqual(['high', 'mid', 'low-1', 'low-2']);
  });

  it.each([-1, 10, 2.5, '3', null])('refuses priority %p with a ValidationError and stores nothing', async (priority) => {
    const w = await make();
    await w.bind('q', '#');
    const err = await w.publish([{ name: 'p.ok' }, { name: 'p.bad', priority } as never]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(isWrkrError(err, 'ERR_WRKR_VALIDATION')).toBe(true);
    expect((err as ValidationError).message).toMatch(/event\[1\]\.priority/);
    expect(await w.fetch('q')).toBeNull();
  });

  it('refuses a non-zero priority on a backend without priorities (NotSupportedError), and accepts 0', async () => {
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, priorities: false } });
    const w = new Wrkr({ backend });
    await w.start();
    try {
      await expect(w.send('q', { name: 'p.a', priority: 3 })).rejects.toBeInstanceOf(NotSupportedError);
      await w.send('q', { name: 'p.a', priority: 0 });
      expect((await w.fetch('q'))?.event.name).toBe('p.a');
    } finally {
      await w.stop();
    }
  });
});
