import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import { ALL_CAPABILITIES, type BackendCapabilities } from '@wrkr/core/backend';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, listen } from '../src';
import { CHROMIUM, describeInBrowser } from './browser-harness';

/** The memory backend declaring what RabbitMQ's declares false for the dashboard: no job lookup, no listings. */
class NoListingsBackend extends MemoryBackend {
  override readonly capabilities: BackendCapabilities = Object.freeze({ ...ALL_CAPABILITIES, fairGroups: false, jobLookup: false, listings: false });
}

describeInBrowser('dashboard on a backend that cannot list or look jobs up, in headless Chromium', () => {
  let wrkr: Wrkr;
  let app: FastifyInstance;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    wrkr = new Wrkr({ backend: new NoListingsBackend(), worker: false });
    await wrkr.start();
    app = await createServer({ wrkr });
    base = await listen(app, { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await wrkr?.stop({ timeout: 0 });
  });

  test('the queue page says what the backend cannot list, and still lists and replays failed jobs from the failed store', async () => {
    await wrkr.send('mail', { name: 'mail.send' });
    const { id } = (await wrkr.send('mail', { name: 'mail.send' })) as { id: string };
    await wrkr.nack((await wrkr.fetch('mail'))!, { fail: true, error: new Error('smtp down') });
    await page.goto(base + '/#/queues/mail/ready');
    await page.locator('.notice', { hasText: 'This backend cannot list ready jobs' }).waitFor();
    expect(await page.locator('.counts').textContent()).toBe('1 ready · 0 delayed · 0 in flight · 1 failed');

    await page.goto(base + '/#/queues/mail/failed');
    const row = page.locator('#jobs tr[data-job]');
    await row.locator('summary', { hasText: 'smtp down' }).waitFor();
    expect(await page.locator('.notice').isVisible()).toBe(false);
    const failedId = await row.getAttribute('data-job');
    expect(failedId).not.toBe(id);
    await row.getByRole('button', { name: 'Replay' }).click();
    await page.locator('#toasts .toast', { hasText: `Replayed job ${failedId}` }).waitFor();
    await page.locator('#jobs tr.empty').waitFor();
    expect(await wrkr.stats('mail')).toMatchObject({ ready: 2, failed: 0 });
  });

  test('the job page and the search say the backend cannot look a job up', async () => {
    await page.goto(base + '/#/jobs/mail/some-id');
    await page.locator('.notice', { hasText: 'This backend cannot look a job up by id' }).waitFor();
    await page.locator('#search-id').fill('some-id');
    await page.locator('#search-id').press('Enter');
    await page.locator('#view', { hasText: 'This backend cannot look a job up by id' }).waitFor();
  });
});
