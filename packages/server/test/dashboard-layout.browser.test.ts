import { describeInBrowser, refreshes, startDashboard, type Dashboard } from './browser-harness';

describeInBrowser('dashboard on a 390 px phone screen in headless Chromium', () => {
  let d: Dashboard;
  let jobId: string;

  beforeAll(async () => {
    d = await startDashboard();
    // Long unbroken words in every column a page shows: ids, names, payload, stack.
    const long = 'x'.repeat(300);
    await d.wrkr.bind('a-queue-with-a-rather-long-name-for-a-small-screen', 'very.long.event.name.*');
    await d.wrkr.schedule('a-schedule-with-a-long-name', { cron: '*/5 * * * *', tz: 'America/Argentina/Buenos_Aires' }, { name: 'very.long.event.name.scheduled' });
    await d.wrkr.publish({ name: 'very.long.event.name.delayed', when: '1h', id: 'pending-' + long.slice(0, 100) });
    const sent = (await d.wrkr.send('a-queue-with-a-rather-long-name-for-a-small-screen', { name: 'very.long.event.name.failed', data: { blob: long }, headers: { 'x-long': long } })) as { id: string };
    jobId = sent.id;
    const item = (await d.wrkr.fetch('a-queue-with-a-rather-long-name-for-a-small-screen'))!;
    const error = new Error('failure ' + long);
    await d.wrkr.nack(item, { fail: true, error });
  }, 30_000);
  afterAll(() => d?.close());

  test.each([
    ['overview', '/#/'],
    ['queue page', '/#/queues/a-queue-with-a-rather-long-name-for-a-small-screen/failed'],
    ['job page', '/#/jobs/a-queue-with-a-rather-long-name-for-a-small-screen/JOB'],
    ['search', '/#/search/JOB'],
  ])('the %s has no horizontal overflow, with its stacks open', async (_name, path) => {
    const page = await d.page({ width: 390, height: 844 });
    await page.goto(d.base + path.replace('JOB', jobId));
    await refreshes(page, 1);
    for (const summary of await page.locator('details summary').all()) await summary.click();
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.evaluate(() => document.body.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });
});
