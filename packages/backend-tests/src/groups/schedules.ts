import assert from 'node:assert/strict';
import { assertSameMessage, plain } from '../assertions';
import { assertExactlyOnce, collect, expectNothing, mustClaim } from '../consume';
import { message, scheduleRecord } from '../fixtures';
import { defineGroup } from '../suite';

const CLIENTS = 3;
const OCCURRENCES = 5;
const EVERY = 1_000;

/** 8. Recurring schedules: stored as given; each occurrence fires exactly once across clients. */
export const scheduleTests = defineGroup('8. recurring schedules', ({ h, timing, test }) => {
  test('upsertSchedule stores the record as given; getSchedule and listSchedules return it; upsert replaces', ['schedules'], async () => {
    const b = await h.client();
    const t = Date.now();
    const every = scheduleRecord('every-90m', 'report.run', t + 5_400_000, { rule: { every: 5_400_000 }, updatedAt: t });
    const cron = scheduleRecord('nightly', 'report.nightly', t + 1000, {
      rule: { cron: '0 2,10 * * *', tz: 'Europe/Amsterdam' },
      event: { name: 'report.nightly', tid: 'r-1', headers: { owner: 'ops' }, body: '{"full":true}' },
      active: false,
      lastRunAt: t - 1000,
      updatedAt: t,
    });
    await b.upsertSchedule(every);
    await b.upsertSchedule(cron);
    assert.deepEqual(plain(await b.getSchedule('nightly')), plain(cron));
    assert.deepEqual(plain(await b.getSchedule('every-90m')), plain(every));
    assert.equal(await b.getSchedule('missing'), undefined);
    assert.deepEqual((await b.listSchedules()).map(plain), [plain(every), plain(cron)]);
    const changed = { ...every, rule: { every: 60_000 }, nextRunAt: t + 60_000, updatedAt: t + 1 };
    await b.upsertSchedule(changed);
    assert.deepEqual(plain(await b.getSchedule('every-90m')), plain(changed));
    assert.equal((await b.listSchedules()).length, 2);
  });

  test(`${CLIENTS} clients fire the same ${OCCURRENCES} occurrences concurrently: exactly one true and one message per occurrence`, ['schedules'], async () => {
    const clients = await h.clients(CLIENTS);
    const admin = clients[0]!;
    await admin.bind('reports', 'report.run');
    const t0 = Date.now();
    const record = scheduleRecord('hourly', 'report.run', t0, { rule: { every: EVERY }, updatedAt: t0 - 1 });
    await admin.upsertSchedule(record);
    const published: string[] = [];
    for (let k = 0; k < OCCURRENCES; k++) {
      const runAt = t0 + k * EVERY;
      const results = await Promise.all(
        clients.map((c, i) => {
          // Each client makes its own message id, as separate processes would: id de-duplication must not be what saves it.
          const m = message('report.run', { id: `occ-${k}-client-${i}-${runAt}`, publishedAt: runAt });
          return c.fireSchedule('hourly', { runAt, updatedAt: record.updatedAt }, runAt + EVERY, m).then((won) => ({ won, id: m.id }));
        }),
      );
      const winners = results.filter((r) => r.won);
      assert.equal(winners.length, 1, `occurrence ${k}: ${winners.length} clients fired it`);
      published.push(winners[0]!.id);
      const stored = await clients[k % CLIENTS]!.getSchedule('hourly');
      assert.equal(stored?.nextRunAt, runAt + EVERY, `occurrence ${k}: nextRunAt`);
      assert.equal(stored?.lastRunAt, runAt, `occurrence ${k}: lastRunAt`);
      assert.equal(stored?.updatedAt, record.updatedAt, 'firing does not change updatedAt');
    }
    const got = await collect([admin], 'reports', { count: OCCURRENCES, patienceMs: timing.patienceMs });
    assertExactlyOnce(got, published, 'occurrences');
    await expectNothing(admin, 'reports', timing.settleMs, 'no occurrence twice');
  });

  test('a fired occurrence publishes its message like publish does (routed, every field kept)', ['schedules'], async () => {
    const b = await h.client();
    await b.bind('a', 'tick.#');
    await b.bind('b', 'tick.*');
    const t0 = Date.now();
    await b.upsertSchedule(scheduleRecord('tick', 'tick.tock', t0, { updatedAt: t0 }));
    const m = message('tick.tock', { tid: 'sched', headers: { schedule: 'tick' }, body: '{"n":1}', publishedAt: t0 });
    assert.equal(await b.fireSchedule('tick', { runAt: t0, updatedAt: t0 }, t0 + 1000, m), true);
    assertSameMessage((await mustClaim(b, 'a', { timeoutMs: timing.patienceMs })).message, m);
    assertSameMessage((await mustClaim(b, 'b', { timeoutMs: timing.patienceMs })).message, m);
  });

  test('fireSchedule with a stale updatedAt (after an upsert) or a wrong runAt is refused and publishes nothing', ['schedules'], async () => {
    const [a, b] = await h.clients(2);
    await a!.bind('q', 'job.#');
    const t0 = Date.now();
    const v1 = scheduleRecord('s', 'job.run', t0, { updatedAt: t0 - 10 });
    await a!.upsertSchedule(v1);
    const v2 = { ...v1, event: { name: 'job.changed' }, updatedAt: t0 - 5 };
    await b!.upsertSchedule(v2);
    assert.equal(await a!.fireSchedule('s', { runAt: t0, updatedAt: v1.updatedAt }, t0 + 1000, message('job.run')), false, 'stale updatedAt');
    assert.equal(await a!.fireSchedule('s', { runAt: t0 + 1, updatedAt: v2.updatedAt }, t0 + 1000, message('job.run')), false, 'wrong runAt');
    const stored = await a!.getSchedule('s');
    assert.equal(stored?.nextRunAt, t0, 'a refused fire changes nothing');
    assert.equal(stored?.lastRunAt, undefined);
    await expectNothing(a!, 'q', timing.settleMs, 'refused fires publish nothing');
    assert.equal(await b!.fireSchedule('s', { runAt: t0, updatedAt: v2.updatedAt }, t0 + 1000, message('job.changed')), true, 'current version fires');
    await mustClaim(a!, 'q', { timeoutMs: timing.patienceMs });
  });

  test('retrying a successful fireSchedule with the same arguments returns false and does not publish twice', ['schedules'], async () => {
    const b = await h.client();
    await b.bind('q', 'job.run');
    const t0 = Date.now();
    await b.upsertSchedule(scheduleRecord('s', 'job.run', t0, { updatedAt: t0 }));
    const m = message('job.run');
    assert.equal(await b.fireSchedule('s', { runAt: t0, updatedAt: t0 }, t0 + 1000, m), true);
    assert.equal(await b.fireSchedule('s', { runAt: t0, updatedAt: t0 }, t0 + 1000, m), false);
    await mustClaim(b, 'q', { timeoutMs: timing.patienceMs });
    await expectNothing(b, 'q', timing.settleMs, 'published once');
  });

  test('removeSchedule stops it: true once, then false; it is gone from get/list and can no longer fire', ['schedules'], async () => {
    const [a, b] = await h.clients(2);
    await a!.bind('q', 'job.run');
    const t0 = Date.now();
    await a!.upsertSchedule(scheduleRecord('gone', 'job.run', t0, { updatedAt: t0 }));
    await a!.upsertSchedule(scheduleRecord('stays', 'job.run', t0, { updatedAt: t0 }));
    assert.equal(await b!.removeSchedule('gone'), true);
    assert.equal(await b!.removeSchedule('gone'), false);
    assert.equal(await a!.getSchedule('gone'), undefined);
    assert.deepEqual((await a!.listSchedules()).map((s) => s.name), ['stays']);
    assert.equal(await a!.fireSchedule('gone', { runAt: t0, updatedAt: t0 }, t0 + 1000, message('job.run')), false);
    assert.equal(await a!.fireSchedule('never-existed', { runAt: t0, updatedAt: t0 }, t0 + 1000, message('job.run')), false);
    await expectNothing(a!, 'q', timing.settleMs, 'a removed schedule publishes nothing');
  });
});
