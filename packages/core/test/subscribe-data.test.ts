import { MemoryBackend } from '@wrkr/backend-memory';
import { RemoteError, ValidationError, Wrkr } from '../src';
import { eventually } from './harness';

let wrkr: Wrkr;
afterEach(async () => wrkr?.stop({ timeout: 0 }));

describe("subscribe { data: 'required' }", () => {
  test('hands events with data to the handler and moves one without data straight to the failed store', async () => {
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
    await wrkr.start();
    const seen: Array<{ email: string }> = [];
    await wrkr.subscribe<{ email: string }>('mail', 'user.*', (event) => void seen.push(event.data), { data: 'required', retry: { attempts: 5 } });
    await wrkr.publish<{ email: string }>({ name: 'user.added', data: { email: 'a@b.c' } });
    const { id } = await wrkr.publish({ name: 'user.removed' });
    await eventually(async () => (await wrkr.stats('mail')).failed === 1);
    expect(seen).toEqual([{ email: 'a@b.c' }]);
    const [failed] = await wrkr.failed('mail');
    // Not retried: the event will never carry data, however often it is delivered.
    expect(failed).toMatchObject({ event: { id }, attempt: 1, error: { code: 'ERR_WRKR_VALIDATION', message: expect.stringMatching(/^data: is required by this subscription/) } });
  });

  test("emits failed for it, and a requester gets the reason at once instead of a timeout", async () => {
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
    await wrkr.start();
    const failed: string[] = [];
    wrkr.on('failed', (e) => failed.push(`${e.queue} ${e.error.code}`));
    await wrkr.respond<{ qty: number }>('pricing', 'pricing.quote', (e) => ({ price: e.data.qty * 3 }), { data: 'required' });
    expect(await wrkr.request('pricing.quote', { qty: 2 }, { timeout: '5s' })).toEqual({ price: 6 });
    const started = Date.now();
    const err = await wrkr.request('pricing.quote', undefined, { timeout: '5s' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect((err as Error).message).toMatch(/data: is required by this subscription/);
    expect(Date.now() - started).toBeLessThan(4000);
    // The reply goes out before the item is settled, so the event follows it.
    await eventually(() => failed.length > 0);
    expect(failed).toEqual(['pricing ERR_WRKR_VALIDATION']);
  });

  test('refuses a value other than required or optional', async () => {
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
    await wrkr.start();
    await expect(wrkr.subscribe('q', null, () => undefined, { data: 'yes' as 'required' })).rejects.toThrow(ValidationError);
    await expect(wrkr.subscribe('q', null, () => undefined, { data: 'yes' as 'required' })).rejects.toThrow("options.data: must be 'required' or 'optional'");
  });
});
