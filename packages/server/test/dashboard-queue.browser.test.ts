import type { Page } from 'playwright-core';
import { describeInBrowser, refreshes, startDashboard, toast, type Dashboard } from './browser-harness';

describeInBrowser('dashboard queue page in headless Chromium', () => {
  let d: Dashboard;
  let page: Page;

  beforeAll(async () => {
    d = await startDashboard();
    page = await d.page();
  }, 30_000);
  afterAll(() => d?.close());

  /** Put `count` items of `queue` in its failed store, each with a distinct error and a stack. */
  async function fail(queue: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { id } = (await d.wrkr.send(queue, { name: 'mail.send', data: { n: i } })) as { id: string };
      const item = (await d.wrkr.fetch(queue))!;
      await d.wrkr.nack(item, { fail: true, error: new Error(`smtp down ${i}`) });
      ids.push(id);
    }
    return ids;
  }

  const ids = (p: Page) => p.locator('#jobs tbody tr[data-job]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.job));

  test('state tabs show their counts and jobs; paging walks the ready list in order', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 45; i++) sent.push(((await d.wrkr.send('bulk', { name: 'bulk.item', data: { i } })) as { id: string }).id);
    await d.wrkr.send('bulk', { name: 'bulk.later', when: '1h' });

    await page.goto(d.base + '/#/queues/bulk');
    await page.locator('#jobs tbody tr[data-job]').first().waitFor();
    expect(await page.locator('.tabs a[aria-current="page"]').textContent()).toBe('Ready 45');
    expect(await page.locator('.tabs a[data-state="delayed"] .count').textContent()).toBe('1');
    expect(await ids(page)).toEqual(sent.slice(0, 20));
    expect(await page.locator('.pager .where').textContent()).toBe('1–20 of 45');
    expect(await page.locator('.pager a[rel="prev"]').isVisible()).toBe(false);

    await page.locator('.pager a[rel="next"]').click();
    await page.waitForURL(/#\/queues\/bulk\/ready\/2$/);
    await page.locator('.pager .where', { hasText: '21–40 of 45' }).waitFor();
    expect(await ids(page)).toEqual(sent.slice(20, 40));
    await page.locator('.pager a[rel="next"]').click();
    await page.locator('.pager .where', { hasText: '41–45 of 45' }).waitFor();
    expect(await ids(page)).toEqual(sent.slice(40));
    expect(await page.locator('.pager a[rel="next"]').isVisible()).toBe(false);

    // The address holds the page: reloading it shows the same page.
    await page.reload();
    await page.locator('.pager .where', { hasText: '41–45 of 45' }).waitFor();

    // Keys: [ turns back a page, 2 opens the second state's tab.
    await page.keyboard.press('[');
    await page.locator('.pager .where', { hasText: '21–40 of 45' }).waitFor();
    await page.keyboard.press('2');
    await page.waitForURL(/#\/queues\/bulk\/delayed$/);
    await page.locator('.tabs a[aria-current="page"]', { hasText: 'Delayed' }).waitFor();
    await page.locator('.tabs a[data-state="ready"]').click();
    await page.waitForURL(/#\/queues\/bulk\/ready$/);
    await page.locator('.tabs a[data-state="delayed"]').click();
    await page.waitForURL(/#\/queues\/bulk\/delayed$/);
    await page.locator('#jobs tbody tr[data-job] td[data-label="Event"]', { hasText: 'bulk.later' }).waitFor();
    expect(await page.locator('#jobs th').allTextContents()).toContain('Due');
  });

  test('Pause and Resume on the queue page flip its badge', async () => {
    await d.wrkr.bind('steer', 'steer.*');
    await page.goto(d.base + '/#/queues/steer');
    const head = page.locator('.queue-head');
    await head.locator('.badge', { hasText: 'running' }).waitFor();
    await head.getByRole('button', { name: 'Pause' }).click();
    await toast(page, 'Paused queue steer').waitFor();
    await head.locator('.badge', { hasText: 'paused' }).waitFor();
    expect((await d.wrkr.stats('steer')).paused).toBe(true);
    await head.getByRole('button', { name: 'Resume' }).click();
    await head.locator('.badge', { hasText: 'running' }).waitFor();
    expect((await d.wrkr.stats('steer')).paused).toBeUndefined();
  });

  test('an opened stack stays open, and a ticked box stays ticked, across refreshes', async () => {
    const [first, second] = await fail('stacks', 2);
    await page.goto(d.base + '/#/queues/stacks/failed');
    const row = page.locator(`#jobs tr[data-job="${first}"]`);
    await row.locator('summary', { hasText: 'smtp down 0' }).click();
    await page.locator(`#jobs tr[data-job="${second}"] input.pick`).check();
    await refreshes(page, 2);
    expect(await row.locator('details').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(true);
    expect(await row.locator('pre').textContent()).toMatch(/^Error: smtp down 0\n\s+at /);
    expect(await page.locator(`#jobs tr[data-job="${second}"] input.pick`).isChecked()).toBe(true);
  });

  test('bulk Replay of the selected failed jobs, then Delete all', async () => {
    const [a, b, c] = await fail('bulkfail', 3);
    await page.goto(d.base + '/#/queues/bulkfail/failed');
    await page.locator(`#jobs tr[data-job="${a}"]`).waitFor();
    await page.locator(`#jobs tr[data-job="${a}"] input.pick`).check();
    await page.locator(`#jobs tr[data-job="${c}"] input.pick`).check();
    await page.getByRole('button', { name: 'Replay selected' }).click();
    await toast(page, 'Replayed 2 failed jobs').waitFor();
    await page.locator(`#jobs tr[data-job="${a}"]`).waitFor({ state: 'detached' });
    await page.locator(`#jobs tr[data-job="${c}"]`).waitFor({ state: 'detached' });
    expect(await ids(page)).toEqual([b]);
    expect(await d.wrkr.stats('bulkfail')).toMatchObject({ ready: 2, failed: 1 });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete all' }).click();
    await toast(page, 'Deleted 1 failed job').waitFor();
    await page.locator('#jobs tr.empty', { hasText: 'none' }).waitFor();
    expect(await d.wrkr.stats('bulkfail')).toMatchObject({ ready: 2, failed: 0 });
  });

  test('Delete selected removes only the ticked failed jobs; nothing ticked says so', async () => {
    const [a, b] = await fail('purgesome', 2);
    await page.goto(d.base + '/#/queues/purgesome/failed');
    await page.locator(`#jobs tr[data-job="${a}"]`).waitFor();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await toast(page, 'Select failed jobs first').waitFor();
    await page.locator(`#jobs tr[data-job="${b}"] input.pick`).check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await toast(page, 'Deleted 1 failed job').waitFor();
    await page.locator(`#jobs tr[data-job="${b}"]`).waitFor({ state: 'detached' });
    expect((await d.wrkr.failed('purgesome')).map((f) => f.raw.id)).toEqual([a]);
  });

  test('Cancel of a delayed job removes it', async () => {
    const { id } = (await d.wrkr.send('later', { name: 'later.job', when: '1h' })) as { id: string };
    const { id: kept } = (await d.wrkr.send('later', { name: 'later.job', when: '2h' })) as { id: string };
    await page.goto(d.base + '/#/queues/later/delayed');
    const row = page.locator(`#jobs tr[data-job="${id}"]`);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await toast(page, `Cancelled job ${id}`).waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await d.wrkr.job('later', id)).toBeUndefined();
    expect(await d.wrkr.job('later', kept)).toMatchObject({ state: 'delayed' });
  });
});
