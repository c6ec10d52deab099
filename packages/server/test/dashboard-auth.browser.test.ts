import type { Page } from 'playwright-core';
import { describeInBrowser, refreshes, startDashboard, type Dashboard } from './browser-harness';

/** Count every time the token form becomes visible (installed before the page's own scripts run). */
async function countAsks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    (window as unknown as { asked: number }).asked = 0;
    document.addEventListener('DOMContentLoaded', () => {
      const form = document.getElementById('token-form')!;
      new MutationObserver(() => {
        if (!form.hidden) (window as unknown as { asked: number }).asked++;
      }).observe(form, { attributes: true, attributeFilter: ['hidden'] });
    });
  });
}
const asked = (page: Page) => page.evaluate(() => (window as unknown as { asked: number }).asked);

describeInBrowser('dashboard with a bearer token in headless Chromium', () => {
  let d: Dashboard;

  beforeAll(async () => {
    d = await startDashboard({ auth: { token: 's3cret' } });
    await d.wrkr.bind('mail', 'user.*');
    await d.wrkr.schedule('nightly', { every: '1h' }, { name: 'report.run' });
  }, 30_000);
  afterAll(() => d?.close());

  test('asks for the token once, whatever the page and its refreshes do, and keeps it for the session', async () => {
    const page = await d.page();
    await countAsks(page);
    await page.goto(d.base + '/');
    await page.locator('#token-form').waitFor();
    // The overview's first refresh makes several API calls at once; each was refused, one question was asked.
    await page.waitForTimeout(500);
    expect(await asked(page)).toBe(1);

    await page.locator('#token-input').fill('wrong');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#token-error', { hasText: 'that token was refused' }).waitFor();
    expect(await asked(page)).toBe(2);

    await page.locator('#token-input').fill('s3cret');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#queues tr[data-queue="mail"]').waitFor();
    await page.locator('#schedules tr[data-schedule="nightly"]').waitFor();
    await refreshes(page, 2);
    await page.goto(d.base + '/#/queues/mail/failed');
    await page.locator('#jobs tr.empty').waitFor();
    await refreshes(page, 1);
    expect(await asked(page)).toBe(2);
    expect(await page.locator('#token-form').isVisible()).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem('wrkr-token'))).toBe('s3cret');

    // A reload keeps the session's token: no question at all.
    await page.reload();
    await page.locator('#jobs tr.empty').waitFor();
    await refreshes(page, 1);
    expect(await asked(page)).toBe(0);
    await page.close();
  });

  test('the dashboard files need no credentials, the API does', async () => {
    for (const path of ['/', '/app/main.js', '/dashboard.css', '/vendor/uPlot.esm.js', '/favicon.ico']) expect([path, (await fetch(d.base + path)).status]).toEqual([path, 200]);
    expect((await fetch(d.base + '/api/queues')).status).toBe(401);
  });
});
