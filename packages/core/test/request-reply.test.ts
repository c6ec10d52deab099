import { RemoteError, TimeoutError, type WrkrEvent } from '../src';
import { memoryWrkrs } from './harness';

describe('request/reply', () => {
  const { make } = memoryWrkrs();

  it('answers a request with the responder return value, and an error as RemoteError', async () => {
    const w = await make();
    await w.respond('pricing', 'pricing.quote', async (e: WrkrEvent<{ qty: number }>) => {
      if (e.data!.qty < 0) throw new RangeError('qty must be positive');
      return { price: e.data!.qty * 3 };
    }, { retry: { attempts: 1 } });
    await expect(w.request('pricing.quote', { qty: 2 }, { timeout: '2s' })).resolves.toEqual({ price: 6 });
    const err = await w.request('pricing.quote', { qty: -1 }, { timeout: '2s' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ message: 'qty must be positive', details: { name: 'RangeError' } });
    await expect(w.request('nobody.listens', {}, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('a plain subscriber never replies, even when it matches first', async () => {
    const w = await make();
    await w.subscribe('audit', '#', () => 'from the audit queue');
    await expect(w.request('pricing.quote', {}, { timeout: 300 })).rejects.toBeInstanceOf(TimeoutError);
    await w.respond('pricing', 'pricing.quote', () => 'from pricing');
    for (let i = 0; i < 20; i++) await expect(w.request('pricing.quote', {}, { timeout: '2s' })).resolves.toBe('from pricing');
  });

  it('with queue, sends the request to that queue only', async () => {
    const w = await make();
    await w.respond('a', 'pricing.quote', () => 'a');
    await w.respond('b', 'pricing.quote', () => 'b');
    for (let i = 0; i < 10; i++) await expect(w.request('pricing.quote', {}, { timeout: '2s', queue: 'b' })).resolves.toBe('b');
    await expect(w.request('pricing.quote', {}, { queue: 'bad queue' })).rejects.toMatchObject({ code: 'ERR_WRKR_VALIDATION' });
  });
});
