import type { Page } from 'playwright-core';
import { describeInBrowser, refreshes, startDashboard, toast, type Dashboard } from './browser-harness';

describeInBrowser('dashboard job page and search in headless Chromium', () => {
  let d: Dashboard;
  let page: Page;

  beforeAll(async () => {
    d = await startDashboard();
    page = await d.page();
  }, 30_000);
  afterAll(() => d?.close());

  test('a failed job shows payload, headers, attempts, error with its stack (open across refreshes) and times', async () => {
    const { id } = (await d.wrkr.send('mail', { name: 'mail.send', tid: 'signup-7', data: { to: 'a@example.com', tags: ['welcome'] }, headers: { 'x-source': 'web' } })) as { id: string };
    const item = (await d.wrkr.fetch('mail'))!;
    await d.wrkr.nack(item, { fail: true, error: new TypeError('bad address') });

    await page.goto(`${d.base}/#/jobs/mail/${id}`);
    await page.locator('h1 .badge', { hasText: 'Failed' }).waitFor();
    expect(await page.locator('h1 .id').textContent()).toBe(id);
    expect(JSON.parse((await page.locator('#payload').textContent())!)).toEqual({ to: 'a@example.com', tags: ['welcome'] });
    expect(await page.locator('#payload').textContent()).toContain('\n  "to": "a@example.com"');
    expect(JSON.parse((await page.locator('#headers').textContent())!)).toEqual({ 'x-source': 'web' });
    const facts = await page.locator('.facts').evaluate((dl) =>
      Object.fromEntries([...dl.querySelectorAll('dt')].filter((dt) => !dt.hidden).map((dt) => [dt.textContent, dt.nextElementSibling!.textContent])),
    );
    expect(facts).toMatchObject({ Queue: 'mail', Event: 'mail.send', Tid: 'signup-7', Attempts: '1' });
    expect(facts.Published).toMatch(/\d{4}.*\(\d+s ago\)$/);
    expect(await page.locator('#error summary').textContent()).toBe('TypeError: bad address');
    await page.locator('#error summary').click();
    await refreshes(page, 2);
    expect(await page.locator('#error details').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
    expect(await page.locator('#error pre').textContent()).toMatch(/^TypeError: bad address\n\s+at /);
    expect(await page.getByRole('button', { name: 'Abort' }).isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Replay' }).click();
    await toast(page, `Replayed job ${id}`).waitFor();
    await page.locator('h1 .badge', { hasText: 'Ready' }).waitFor();
    expect(await page.locator('#error').isVisible()).toBe(false);
  });

  test('a running job shows its progress bar; Abort stops its handler (waiting on ctx.signal) and the page shows the outcome', async () => {
    let started!: (id: string) => void;
    const running = new Promise<string>((resolve) => (started = resolve));
    await d.wrkr.subscribe(
      'render',
      'render.*',
      (event, ctx) => {
        ctx.progress(40);
        started(event.id);
        return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
      },
      { retry: { attempts: 1 } },
    );
    await d.wrkr.publish({ name: 'render.video', data: { file: 'intro.mp4' } });
    const id = await running;

    await page.goto(`${d.base}/#/jobs/render/${id}`);
    await page.locator('h1 .badge', { hasText: 'In flight' }).waitFor();
    await page.locator('#progress progress[value="40"]').waitFor();
    expect(await page.locator('#progress').textContent()).toContain('40%');
    expect(await page.locator('.facts').textContent()).toContain('Lease until');

    await page.getByRole('button', { name: 'Abort' }).click();
    await toast(page, `Aborted job ${id}`).waitFor();
    await page.locator('h1 .badge', { hasText: 'Failed' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#error summary').textContent()).toMatch(/aborted from the dashboard/);
    expect(await page.locator('#progress').isVisible()).toBe(false);
    expect(await d.wrkr.job('render', id)).toMatchObject({ state: 'failed' });
  });

  test('a completed job kept with keepCompleted shows its result', async () => {
    await d.wrkr.subscribe('done', 'done.*', () => ({ pages: 3 }), { keepCompleted: { count: 10, age: '1h' } });
    const { id } = (await d.wrkr.publish({ name: 'done.pdf' })) as { id: string };
    await page.goto(`${d.base}/#/jobs/done/${id}`);
    await page.locator('h1 .badge', { hasText: 'Completed' }).waitFor();
    expect(JSON.parse((await page.locator('#result').textContent())!)).toEqual({ pages: 3 });
    expect(await page.locator('#payload').textContent()).toBe('none');
  });

  test('a job that left the queue says so instead of showing stale data', async () => {
    const { id } = (await d.wrkr.send('gone', { name: 'gone.job' })) as { id: string };
    await page.goto(`${d.base}/#/jobs/gone/${id}`);
    await page.locator('h1 .badge', { hasText: 'Ready' }).waitFor();
    await d.wrkr.deleteQueue('gone');
    await page.locator('.notice', { hasText: 'no longer holds this job' }).waitFor();
    expect(await page.locator('h1 .badge').textContent()).toBe('gone');
  });

  test('a delayed job can be cancelled from its page, which then says it is gone', async () => {
    const { id } = (await d.wrkr.send('later', { name: 'later.job', when: '1h' })) as { id: string };
    await page.goto(`${d.base}/#/jobs/later/${id}`);
    await page.locator('h1 .badge', { hasText: 'Delayed' }).waitFor();
    expect(await page.locator('.facts').textContent()).toMatch(/Due.*\(in 1h\)/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await toast(page, `Cancelled job ${id}`).waitFor();
    await page.locator('.notice', { hasText: 'no longer holds this job' }).waitFor();
    expect(await d.wrkr.job('later', id)).toBeUndefined();
  });

  test('search by id: "/" focuses the box, one match opens the job, several are listed, none says so', async () => {
    const { id } = (await d.wrkr.send('search-a', { name: 'find.me' })) as { id: string };
    await page.goto(d.base + '/');
    await page.locator('#queues tr[data-queue]').first().waitFor();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('search-id');
    await page.keyboard.type(id);
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/jobs/search-a/${id}$`));
    await page.locator('h1 .id', { hasText: id }).waitFor();

    await d.wrkr.bind('search-b', 'twice.*');
    await d.wrkr.bind('search-c', 'twice.*');
    const { id: shared } = (await d.wrkr.publish({ name: 'twice.routed' })) as { id: string };
    await page.locator('#search-id').fill(shared);
    await page.locator('#search-id').press('Enter');
    await page.locator('#results tbody tr:not(.empty)').nth(1).waitFor();
    expect(await page.locator('#results td[data-label="Queue"]').allTextContents()).toEqual(['search-b', 'search-c']);
    await page.locator('#results a', { hasText: 'search-c' }).click();
    await page.waitForURL(new RegExp(`#/jobs/search-c/${shared}$`));

    await page.locator('#search-id').fill('no-such-job');
    await page.locator('#search-id').press('Enter');
    await page.locator('#view', { hasText: 'none: no queue holds a job with id no-such-job' }).waitFor();

    // A delayed publish waits outside every queue: the search finds it there and can cancel it.
    const { id: later } = (await d.wrkr.publish({ name: 'twice.later', when: '1h' })) as { id: string };
    await page.locator('#search-id').fill(later);
    await page.locator('#search-id').press('Enter');
    await page.locator('#pending-match', { hasText: 'A pending publish of twice.later' }).waitFor();
    await page.locator('#pending-match').getByRole('button', { name: 'Cancel' }).click();
    await toast(page, `Cancelled pending publish ${later}`).waitFor();
    await page.locator('#pending-match').waitFor({ state: 'hidden' });
    expect(await d.wrkr.pending()).toEqual([]);
  });
});
