import type { ScheduleRecord, WrkrEvent } from '../src';
import { Codec } from '../src/codec';
import { SCHEDULE_HEADER, TRIGGER_HEADER, occurrenceMessage } from '../src/scheduler';
import { eventually, memoryWrkrs, sleep } from './harness';

describe('recurring schedules', () => {
  const { make } = memoryWrkrs();

  it('fires a recurring schedule once per occurrence across three processes', async () => {
    const procs = [await make({ scheduler: { poll: 200 } }), await make({ scheduler: { poll: 200 } }), await make({ scheduler: { poll: 200 } })];
    const fired: string[] = [];
    await procs[0]!.subscribe('ticks', 'tick.run', async (e) => void fired.push(e.id));
    await procs[1]!.schedule('ticker', { every: '1s' }, { name: 'tick.run', data: { n: 1 } });
    await sleep(2300);
    expect(fired.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fired).size).toBe(fired.length);
    const [info] = await procs[2]!.schedules();
    expect(info).toMatchObject({ name: 'ticker', rule: { every: 1000 }, active: true, event: { name: 'tick.run', data: { n: 1 } } });
    expect(info!.lastRunAt).toBeInstanceOf(Date);
    expect(await procs[2]!.unschedule('ticker')).toBe(true);
    const count = fired.length;
    await sleep(1300);
    expect(fired.length).toBe(count);
  });

  it('triggers, pauses and reschedules a schedule', async () => {
    const w = await make();
    const fired: WrkrEvent[] = [];
    await w.subscribe('rep', 'report.run', async (e) => void fired.push(e));
    await w.schedule('nightly', { cron: '0 2 * * *', tz: 'Europe/Amsterdam' }, { name: 'report.run' });
    const before = (await w.getSchedule('nightly'))!;
    expect(before.nextRunAt.getTime()).toBeGreaterThan(Date.now());
    await w.trigger('nightly');
    await eventually(() => fired.length === 1);
    expect(fired[0]!.headers[SCHEDULE_HEADER]).toBe('nightly');
    expect(fired[0]!.headers[TRIGGER_HEADER]).toBe('manual');
    expect((await w.setScheduleActive('nightly', false)).active).toBe(false);
    const moved = await w.schedule('nightly', { every: '2 hours' }, { name: 'report.run' });
    expect(moved).toMatchObject({ rule: { every: 7_200_000 }, active: false });
  });
});

describe('occurrence messages', () => {
  const record: ScheduleRecord = {
    name: 'nightly',
    rule: { every: 60_000 },
    event: { name: 'report.run', tid: 't1', headers: { h: '1' }, body: '{"n":1}' },
    active: true,
    nextRunAt: 120_000,
    updatedAt: 1,
  };

  it('names the schedule in a header whose name is part of the wire format', () => {
    expect([SCHEDULE_HEADER, TRIGGER_HEADER]).toEqual(['wrkr-schedule', 'wrkr-trigger']);
  });

  it('gives a series occurrence an id fixed by schedule and time, so a retried fire cannot duplicate it', () => {
    const m = occurrenceMessage(new Codec(), record, 120_000);
    expect(m).toEqual({ id: 'sched.nightly.120000', name: 'report.run', tid: 't1', headers: { h: '1', [SCHEDULE_HEADER]: 'nightly' }, body: '{"n":1}', publishedAt: 120_000 });
    expect(occurrenceMessage(new Codec(), record, 120_000)).toEqual(m);
  });

  it('gives a manual occurrence a fresh id and marks it manual', () => {
    const a = occurrenceMessage(new Codec(), record, 5_000, 'manual');
    const b = occurrenceMessage(new Codec(), record, 5_000, 'manual');
    expect(a).toMatchObject({ name: 'report.run', tid: 't1', headers: { h: '1', [SCHEDULE_HEADER]: 'nightly', [TRIGGER_HEADER]: 'manual' }, body: '{"n":1}', publishedAt: 5_000 });
    expect(a.id).not.toBe(b.id);
    expect(a.id).not.toMatch(/^sched\./);
  });
});
