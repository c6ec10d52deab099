import { RemoteError, TimeoutError, type WrkrEvent } from '../src';
import { memoryWrkrs } from './harness';

describe('request/reply', () => {
  const { make } = memoryWrkrs();

  it('answers a request with the handler return value, and an error as RemoteError', async () => {
    const w = await make();
    await w.subscribe('pricing', 'pricing.quote', async (e: WrkrEvent<{ qty: number }>) => {
      if (e.data!.qty < 0) throw new RangeError('qty must be positive');
      return { price: e.data!.qty * 3 };
    }, { retry: { attempts: 1 } });
    await expect(w.request('pricing.quote', { qty: 2 }, { timeout: '2s' })).resolves.toEqual({ price: 6 });
    const err = await w.request('pricing.quote', { qty: -1 }, { timeout: '2s' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ message: 'qty must be positive', details: { name: 'RangeError' } });
    await expect(w.request('nobody.listens', {}, { timeout: 100 })).rejects.toBeInstanceOf(TimeoutError);
  });
});
