import type { Page } from 'playwright-core';
import { describeInBrowser, refreshes, startDashboard, toast, type Dashboard } from './browser-harness';

describeInBrowser('dashboard overview in headless Chromium', () => {
  let d: Dashboard;
  let page: Page;

  beforeAll(async () => {
    d = await startDashboard();
    page = await d.page();
  }, 30_000);
  afterAll(() => d?.close());

  test('queues show live counts per state, and Pause/Resume flips the badge and the queue', async () => {
    await d.wrkr.bind('mail', 'user.*');
    await d.wrkr.publish([{ name: 'user.added' }, { name: 'user.added' }]);
    await d.wrkr.send('mail', { name: 'user.later', when: '1h' });
    const failed = (await d.wrkr.fetch('mail'))!;
    await d.wrkr.nack(failed, { fail: true, error: new Error('smtp down') });
    await page.goto(d.base + '/');
    const row = page.locator('#queues tr[data-queue="mail"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(['mailuser.*', '1', '1', '0', '1', '0', 'running', 'Pause']);

    await row.getByRole('button', { name: 'Pause' }).click();
    await toast(page, 'Paused queue mail').waitFor();
    await row.locator('.badge', { hasText: 'paused' }).waitFor();
    expect((await d.wrkr.stats('mail')).paused).toBe(true);

    await row.getByRole('button', { name: 'Resume' }).click();
    await toast(page, 'Resumed queue mail').waitFor();
    await row.locator('.badge', { hasText: 'running' }).waitFor();
    expect((await d.wrkr.stats('mail')).paused).toBeUndefined();
  });

  test('the throughput chart has a time axis and counts completed and failed jobs from the durable counters', async () => {
    await d.wrkr.subscribe('thumbs', 'image.*', async (e) => {
      if ((e.data as { bad?: boolean }).bad) throw new Error('corrupt image');
    }, { retry: { attempts: 1 } });
    await page.goto(d.base + '/#/queues/thumbs');
    await page.locator('#throughput canvas').first().waitFor();
    await d.wrkr.publish([1, 2, 3, 4].map((n) => ({ name: 'image.uploaded', data: { n } })));
    await d.wrkr.publish({ name: 'image.uploaded', data: { bad: true } });
    await page.locator('#throughput .chart-summary', { hasText: 'total 4 completed, 1 failed' }).waitFor();
    expect(await d.wrkr.counters('thumbs')).toMatchObject({ completed: 4, failed: 1 });
    // A time axis of at least the last minute, at most five (uPlot draws its ticks on the canvas; the chart names its span).
    const label = (await page.locator('#throughput .chart').getAttribute('aria-label'))!;
    const [, from, to] = /from (\S+ ?[AP]?M?) to (\S+ ?[AP]?M?):/.exec(label)!;
    const seconds = (t: string) => Date.parse('2000-01-01 ' + t) / 1000;
    expect(seconds(to!) - seconds(from!)).toBeGreaterThanOrEqual(60);
    expect(seconds(to!) - seconds(from!)).toBeLessThanOrEqual(300);
    expect(label).toMatch(/latest \d+\.\d completed\/s, \d+\.\d failed\/s$/);
    expect(await page.locator('#throughput .u-legend').textContent()).toMatch(/completed\/s.*failed\/s/);
    await page.goto(d.base + '/');
    await page.locator('#queues tr[data-queue="thumbs"] td[data-label="Completed"]', { hasText: '4' }).waitFor();
  });

  test('Trigger says what it published; a paused schedule shows no next run', async () => {
    await d.wrkr.bind('reports', 'report.*');
    await d.wrkr.schedule('nightly', { every: '1h' }, { name: 'report.run' });
    await d.wrkr.schedule('dormant', { every: '15m' }, { name: 'report.other' }, { active: false });
    await page.goto(d.base + '/');
    const nightly = page.locator('#schedules tr[data-schedule="nightly"]');
    const dormant = page.locator('#schedules tr[data-schedule="dormant"]');
    await nightly.waitFor();
    expect(await dormant.locator('td[data-label="Next run"]').textContent()).toBe('—');
    expect(await dormant.locator('td[data-label="Rule"]').textContent()).toBe('every 15m');
    expect(await nightly.locator('td[data-label="Next run"]').textContent()).toMatch(/\(in 1h\)$/);

    await nightly.getByRole('button', { name: 'Trigger' }).click();
    const said = (await toast(page, /^Triggered nightly: published event \S+$/).textContent())!;
    expect(await d.wrkr.job('reports', said.split(' ').at(-1)!)).toMatchObject({ state: 'ready', raw: { name: 'report.run' } });

    await nightly.getByRole('button', { name: 'Pause' }).click();
    await toast(page, 'Paused nightly').waitFor();
    await nightly.locator('td[data-label="State"]', { hasText: 'paused' }).waitFor();
    expect(await nightly.locator('td[data-label="Next run"]').textContent()).toBe('—');
    expect(await d.wrkr.getSchedule('nightly')).toMatchObject({ active: false });
  });

  test('a pending delayed publish is listed and Cancel removes it', async () => {
    const { id } = (await d.wrkr.publish({ name: 'user.reminder', when: '2h' })) as { id: string };
    await page.goto(d.base + '/');
    const row = page.locator(`#pending tr[data-pending="${id}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-label="Due"]').textContent()).toMatch(/in 2h/);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await toast(page, `Cancelled pending publish ${id}`).waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await d.wrkr.pending()).toEqual([]);
    await page.locator('#pending tr.empty', { hasText: 'none' }).waitFor();
  });

  test('workers show their queues and in-flight counts', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await d.wrkr.subscribe('slow', 'slow.*', () => held);
    await d.wrkr.publish({ name: 'slow.job' });
    await page.goto(d.base + '/');
    const row = page.locator('#workers tr[data-worker="dash-worker"]');
    await row.locator('td[data-label="In flight"]', { hasText: '1' }).waitFor();
    expect(await row.locator('td[data-label="Queues"] a').allTextContents()).toEqual(expect.arrayContaining(['slow', 'thumbs']));
    release();
    await row.locator('td[data-label="In flight"]', { hasText: '0' }).waitFor();
  });

  test('the favicon and every asset answer 200; nothing on the page 404s', async () => {
    const statuses: Array<[string, number]> = [];
    const fresh = await d.page();
    fresh.on('response', (r) => statuses.push([new URL(r.url()).pathname, r.status()]));
    await fresh.goto(d.base + '/');
    await fresh.locator('#queues tr[data-queue]').first().waitFor();
    await refreshes(fresh, 1);
    expect(statuses.filter(([, s]) => s !== 200)).toEqual([]);
    expect(statuses.map(([p]) => p)).toEqual(expect.arrayContaining(['/favicon.svg', '/vendor/uPlot.esm.js', '/app/main.js']));
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const res = await fetch(d.base + path);
      expect([res.status, res.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    }
    await fresh.close();
  });

  test('empty lists say "none"', async () => {
    await page.goto(d.base + '/#/queues/nothing-here/failed');
    await page.locator('#jobs tr.empty', { hasText: 'none' }).waitFor();
    expect(await page.locator('.pager .where').textContent()).toBe('none');
  });
});
