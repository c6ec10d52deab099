import { MemoryBackend } from '@wrkr/backend-memory';
import { ValidationError, Wrkr } from '../src';

/** A MemoryBackend that records the schedule names it is asked about. */
class RecordingBackend extends MemoryBackend {
  readonly asked: unknown[] = [];
  override getSchedule(name: string) {
    this.asked.push(name);
    return super.getSchedule(name);
  }
}

describe('every schedule method checks the name in core, as schedule() does', () => {
  const backend = new RecordingBackend();
  const wrkr = new Wrkr({ backend, worker: false, scheduler: false });
  beforeAll(() => wrkr.start());
  afterAll(() => wrkr.stop());

  for (const name of ['', 'has space', 'x'.repeat(201), 7]) {
    it(`refuses ${JSON.stringify(name).slice(0, 24)} before asking the backend`, async () => {
      await expect(wrkr.schedule(name as string, { every: '1 minute' }, { name: 'a.b' })).rejects.toBeInstanceOf(ValidationError);
      await expect(wrkr.setScheduleActive(name as string, true)).rejects.toMatchObject({ field: 'name' });
      await expect(wrkr.trigger(name as string)).rejects.toMatchObject({ field: 'name' });
      await expect(wrkr.getSchedule(name as string)).rejects.toMatchObject({ field: 'name' });
      await expect(wrkr.unschedule(name as string)).rejects.toMatchObject({ field: 'name' });
      expect(backend.asked).toEqual([]);
    });
  }

  it('refuses a non-boolean active', async () => {
    await wrkr.schedule('nightly', { every: '1 minute' }, { name: 'a.b' });
    await expect(wrkr.setScheduleActive('nightly', 'no' as never)).rejects.toMatchObject({ field: 'active' });
    expect((await wrkr.getSchedule('nightly'))!.active).toBe(true);
  });
});
