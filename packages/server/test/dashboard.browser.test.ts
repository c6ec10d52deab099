import { existsSync } from 'node:fs';
import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import { chromium, type Browser } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createServer, listen } from '../src';

/** Debian's chromium (apt-get install chromium); override with CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Skipped only outside CI: scripts/services.sh installs Chromium for CI, so there a missing one fails.
const maybe = existsSync(CHROMIUM) || process.env.CI !== undefined ? describe : describe.skip;

maybe('dashboard in headless Chromium', () => {
  let wrkr: Wrkr;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    wrkr = new Wrkr({ backend: new MemoryBackend(), worker: { id: 'dash-worker' } });
    await wrkr.start();
    app = await createServer({ wrkr });
    base = await listen(app, { host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await wrkr?.stop({ timeout: 0 });
  });

  test('shows queues, schedules and workers; replay moves a failed item out of the failed list', async () => {
    await wrkr.bind('mail', 'user.*');
    await wrkr.publish({ name: 'user.added', data: { u: 1 } });
    await wrkr.schedule('nightly', { every: '1h' }, { name: 'report.run' });
    const item = (await wrkr.fetch('mail'))!;
    await wrkr.nack(item, { fail: true, error: new Error('smtp down') });

    const page = await browser.newPage();
    await page.goto(base + '/');
    const row = page.locator(`#failed tr[data-failed-id="${item.event.id}"]`);
    await row.waitFor();
    await page.locator('#queues tr[data-queue="mail"]').waitFor();
    await page.locator('#schedules tr[data-schedule="nightly"]').waitFor();
    await page.locator('#workers tr[data-worker="dash-worker"]').waitFor();
    expect(await row.textContent()).toContain('smtp down');

    await row.getByRole('button', { name: 'Replay' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await wrkr.stats('mail')).toMatchObject({ ready: 1, failed: 0 });

    await page.locator('#schedules tr[data-schedule="nightly"]').getByRole('button', { name: 'Pause' }).click();
    await page.locator('#schedules tr[data-schedule="nightly"]', { hasText: 'paused' }).waitFor();
    expect(await wrkr.getSchedule('nightly')).toMatchObject({ active: false });
    await page.close();
  });
});
