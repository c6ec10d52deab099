import { MemoryBackend } from '@wrkr/backend-memory';
import { NotSupportedError, ValidationError, Wrkr, isWrkrError } from '../src';
import { memoryWrkrs } from './harness';

describe('job keys on publish/send', () => {
  const { make } = memoryWrkrs();

  const drain = async (w: Wrkr, queue: string): Promise<unknown[]> => {
    const got: unknown[] = [];
    for (let item = await w.fetch(queue); item !== null; item = await w.fetch(queue)) {
      got.push(item.event.data);
      await w.ack(item);
    }
    return got;
  };

  it('dedupes by default: the second send reports dropped and names the pending holder', async () => {
    const w = await make();
    const first = await w.send('q', { name: 'k.a', data: 1, key: 'user-42' });
    const second = await w.send('q', { name: 'k.a', data: 2, key: 'user-42' });
    expect(first).toMatchObject({ keyed: [{ queue: 'q', outcome: 'added' }], dropped: false });
    expect(second).toMatchObject({ keyed: [{ queue: 'q', outcome: 'deduped', id: first.id }], dropped: true });
    expect(await drain(w, 'q')).toEqual([1]);
    expect((await w.send('q', { name: 'k.a', data: 3, key: 'user-42' })).dropped).toBe(false);
  });

  it('an unkeyed publish has neither keyed nor dropped', async () => {
    const w = await make();
    const p = await w.publish({ name: 'k.a' });
    expect(p).not.toHaveProperty('keyed');
    expect(p).not.toHaveProperty('dropped');
  });

  it('debounces a delayed publish: one pending publish with the last payload and due time', async () => {
    const w = await make();
    await w.bind('q', 'reindex.#');
    await w.publish({ name: 'reindex.search', data: 'a', key: 'search', keyMode: 'debounce', when: '1 hour' });
    const last = await w.publish({ name: 'reindex.search', data: 'b', key: 'search', keyMode: 'debounce', when: '2 hours' });
    expect(last.keyed).toEqual([{ outcome: 'replaced', id: expect.any(String) }]);
    expect(last.dropped).toBe(false);
    const pending = await w.pending();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ id: last.id, dueAt: new Date(last.dueAt) });
  });

  it('a keyed publish reports per queue, and dropped only when every queue dropped it', async () => {
    const w = await make();
    await w.bind('a', 'k.#');
    await w.bind('b', 'k.#');
    await w.send('a', { name: 'k.x', key: 'k1' });
    const p = await w.publish({ name: 'k.x', key: 'k1' });
    expect([...p.keyed!].sort((x, y) => x.queue!.localeCompare(y.queue!))).toEqual([
      { queue: 'a', outcome: 'deduped', id: expect.any(String) },
      { queue: 'b', outcome: 'added' },
    ]);
    expect(p.dropped).toBe(false);
    expect((await w.publish({ name: 'k.x', key: 'k1' })).dropped).toBe(true);
  });

  it('throttles with keyTtl as a duration', async () => {
    const w = await make();
    const results = await w.send('q', [
      { name: 'k.t', data: 1, key: 'digest', keyMode: 'throttle', keyTtl: '1 minute' },
      { name: 'k.t', data: 2, key: 'digest', keyMode: 'throttle', keyTtl: 60_000 },
    ]);
    expect(results.map((r) => r.dropped)).toEqual([false, true]);
    expect(results[1]!.keyed).toEqual([{ queue: 'q', outcome: 'throttled' }]);
    expect(await drain(w, 'q')).toEqual([1]);
  });

  it.each([
    [{ key: '' }, /event\.key/],
    [{ key: 'x'.repeat(201) }, /event\.key/],
    [{ key: 5 }, /event\.key/],
    [{ key: 'k', keyMode: 'replace' }, /event\.keyMode/],
    [{ keyMode: 'dedupe' }, /event\.keyMode.*needs a key/],
    [{ keyTtl: '1s' }, /event\.keyTtl.*needs a key/],
    [{ key: 'k', keyTtl: '1s' }, /event\.keyTtl.*only with keyMode 'throttle'/],
    [{ key: 'k', keyMode: 'throttle' }, /event\.keyTtl.*required/],
    [{ key: 'k', keyMode: 'throttle', keyTtl: 0 }, /event\.keyTtl.*at least 1 ms/],
    [{ key: 'k', keyMode: 'throttle', keyTtl: 'soon' }, /event\.keyTtl/],
  ])('refuses %p with a ValidationError and stores nothing', async (fields, message) => {
    const w = await make();
    const err = await w.send('q', { name: 'k.bad', ...fields } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(isWrkrError(err, 'ERR_WRKR_VALIDATION')).toBe(true);
    expect((err as ValidationError).message).toMatch(message);
    expect(await w.fetch('q')).toBeNull();
  });

  it('refuses a key on a backend without jobKeys (NotSupportedError), in Wrkr and in the backend itself', async () => {
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, jobKeys: false } });
    const w = new Wrkr({ backend });
    await w.start();
    try {
      await expect(w.send('q', { name: 'k.a', key: 'k' })).rejects.toBeInstanceOf(NotSupportedError);
      await expect(backend.send('q', [{ message: { id: 'm1', name: 'k.a', publishedAt: 1 }, key: 'k', keyMode: 'dedupe' }])).rejects.toBeInstanceOf(NotSupportedError);
      expect(await w.fetch('q')).toBeNull();
    } finally {
      await w.stop();
    }
  });
});
