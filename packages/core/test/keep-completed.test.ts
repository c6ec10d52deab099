import { MemoryBackend } from '@wrkr/backend-memory';
import { NotSupportedError, ValidationError, Wrkr } from '../src';
import { collectingLogger, memoryWrkrs } from './harness';

describe('keepCompleted', () => {
  const { make } = memoryWrkrs();

  /** Resolves with the id of the next `completed` event of `w`. */
  const nextCompleted = (w: Wrkr) => new Promise<string>((resolve) => w.once('completed', (e) => resolve(e.id)));

  it('keeps what a subscribe handler returned, readable from another process, most recent first', async () => {
    const w = await make();
    const manager = await make();
    await w.subscribe('reports', 'report.build', (e) => ({ rows: (e.data as { n: number }).n }), { keepCompleted: { count: 10, age: '1h' } });
    const done: string[] = [];
    for (const n of [1, 2]) {
      const completed = nextCompleted(w);
      await w.publish({ name: 'report.build', data: { n } });
      done.push(await completed);
    }
    const job = await manager.job('reports', done[0]!);
    expect(job).toMatchObject({ state: 'completed', result: { rows: 1 }, attempt: 1, event: { data: { n: 1 } } });
    expect(job!.updatedAt).toBeInstanceOf(Date);
    expect((await manager.jobs('reports', { state: 'completed' })).map((j) => [j.id, j.result])).toEqual([
      [done[1], { rows: 2 }],
      [done[0], { rows: 1 }],
    ]);
  });

  it('keeps the reply of a respond handler, and keeps nothing without the option', async () => {
    const w = await make();
    await w.respond('quotes', 'quote.get', () => 42, { keepCompleted: { count: 1, age: 60_000 } });
    await w.subscribe('plain', null, () => 'not kept');
    // The reply goes out before the ack that keeps the job: wait for the job to complete, not for the reply.
    const answered = nextCompleted(w);
    expect(await w.request('quote.get', {}, { timeout: '5s' })).toBe(42);
    await answered;
    expect((await w.jobs('quotes', { state: 'completed' })).map((j) => j.result)).toEqual([42]);
    const completed = nextCompleted(w);
    const { id } = await w.send('plain', { name: 'plain.job' });
    await completed;
    expect(await w.job('plain', id)).toBeUndefined();
  });

  it('keeps a job whose result cannot be kept without it (logged), and an early ctx.ack() without one', async () => {
    const { logger, lines } = collectingLogger();
    const w = await make({ logger });
    await w.subscribe('big', null, () => 'x'.repeat(5000), { keepCompleted: { count: 5, age: '1m' } });
    await w.subscribe('early', null, async (_e, ctx) => (await ctx.ack(), 'after the ack'), { keepCompleted: { count: 5, age: '1m' } });
    let completed = nextCompleted(w);
    const big = await w.send('big', { name: 'big.result' });
    await completed;
    expect(await w.job('big', big.id)).toMatchObject({ state: 'completed' });
    expect((await w.job('big', big.id))!.result).toBeUndefined();
    expect(lines.some((l) => String(l.msg).includes('result cannot be kept'))).toBe(true);
    completed = nextCompleted(w);
    const early = await w.send('early', { name: 'early.ack' });
    await completed;
    const job = await w.job('early', early.id);
    expect(job?.state).toBe('completed');
    expect(job!.result).toBeUndefined();
  });

  it('keeps a pulled item acked with keepCompleted and a result; a result alone or bad options are refused', async () => {
    const w = await make();
    const { id } = await w.send('pull', { name: 'pull.one' });
    const item = (await w.fetch('pull'))!;
    await expect(w.ack(item, { result: 1 })).rejects.toThrow(/options\.result/);
    await expect(w.ack(item, { keepCompleted: { count: 0, age: '1m' } })).rejects.toThrow(/options\.keepCompleted\.count/);
    await expect(w.ack(item, { keepCompleted: { count: 1, age: 'soon' } })).rejects.toThrow(/options\.keepCompleted\.age/);
    await expect(w.ack(item, { result: () => 1, keepCompleted: { count: 1, age: '1m' } })).rejects.toThrow(/options\.result/);
    expect((await w.job('pull', id))?.state).toBe('inFlight');
    await w.ack(item, { result: { ok: true }, keepCompleted: { count: 3, age: '1m' } });
    expect(await w.job('pull', id)).toMatchObject({ state: 'completed', result: { ok: true } });
  });

  it('refuses bad subscription options, and keepCompleted on a backend without it (NotSupportedError)', async () => {
    const w = await make();
    for (const keepCompleted of [{ count: 1 }, { count: 100_001, age: '1m' }, { count: 1, age: 0 }, { count: 1, age: '1m', extra: 1 }, 'yes']) {
      await expect(w.subscribe('q', null, () => undefined, { keepCompleted: keepCompleted as never })).rejects.toBeInstanceOf(ValidationError);
    }
    const backend = new MemoryBackend();
    Object.defineProperty(backend, 'capabilities', { value: { ...backend.capabilities, keepCompleted: false } });
    const plain = new Wrkr({ backend, worker: false });
    await plain.start();
    try {
      await expect(plain.subscribe('q', null, () => undefined, { keepCompleted: { count: 1, age: '1m' } })).rejects.toBeInstanceOf(NotSupportedError);
      await plain.send('q', { name: 'q.one' });
      const item = (await plain.fetch('q'))!;
      await expect(plain.ack(item, { keepCompleted: { count: 1, age: '1m' } })).rejects.toBeInstanceOf(NotSupportedError);
      await expect(backend.ack(item, { keep: { count: 1, ageMs: 1000 } })).rejects.toBeInstanceOf(NotSupportedError);
      await plain.ack(item);
    } finally {
      await plain.stop();
    }
  });
});
