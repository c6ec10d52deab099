import { MemoryBackend } from '@wrkr/backend-memory';
import { ValidationError, Wrkr } from '../src';
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

  test('refuses a value other than required or optional', async () => {
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: false });
    await wrkr.start();
    await expect(wrkr.subscribe('q', null, () => undefined, { data: 'yes' as 'required' })).rejects.toThrow(ValidationError);
    await expect(wrkr.subscribe('q', null, () => undefined, { data: 'yes' as 'required' })).rejects.toThrow("options.data: must be 'required' or 'optional'");
  });
});
