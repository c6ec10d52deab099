// Screenshots of the dashboard for the READMEs: `npm run screenshots -w @wrkr/server` (after `npx tsc -b`).
// Runs a small workload on the memory backend for about half a minute, so the throughput chart has data,
// then saves the queue page, a failed job's page and the queue page on a 390 px phone to docs/.
// Chromium: /usr/bin/chromium, or CHROMIUM_PATH.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import { chromium } from 'playwright-core';
import { createServer, listen } from '../dist/index.js';

const DOCS = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'docs');
const WARMUP_MS = Number(process.env.SCREENSHOT_WARMUP_MS ?? 30_000);

const PACKAGE_URL = new URL('..', import.meta.url).href;

/** A stand-in SMTP client whose server sometimes answers 421, so failed jobs carry a stack of a few frames. */
class SmtpClient {
  async deliver(message) {
    await this.#command('MAIL FROM', message.from);
    await this.#command('RCPT TO', message.to);
  }
  async #command(verb, arg) {
    await sleep(20 + Math.random() * 40);
    if (verb === 'RCPT TO' && Math.random() < 0.3) {
      const err = new Error(`SMTP 421 4.7.0 mx.example.net: try again later (${verb} ${arg})`);
      err.name = 'SmtpTransientError';
      // Paths relative to the package, so the picture shows no machine's folders.
      err.stack = err.stack.replaceAll(PACKAGE_URL, '');
      throw err;
    }
  }
}
const smtp = new SmtpClient();

const wrkr = new Wrkr({ backend: new MemoryBackend(), worker: { id: 'worker-eu-1', meta: { region: 'eu' } } });
await wrkr.start();
await wrkr.subscribe(
  'mail',
  'user.*',
  async (event, ctx) => {
    ctx.progress(50);
    if (event.data.plan === 'trial') await smtp.deliver({ from: 'hello@example.com', to: event.data.email });
    else await sleep(40 + Math.random() * 80, undefined, { signal: ctx.signal });
    return { messageId: `<${event.id}@mail.example.net>` };
  },
  { concurrency: 4, retry: { attempts: 2, delay: '200ms' }, keepCompleted: { count: 200, age: '1h' } },
);
await wrkr.bind('billing', 'invoice.*');
await wrkr.schedule('nightly-digest', { cron: '0 3 * * *', tz: 'Europe/Paris' }, { name: 'user.digest' });
await wrkr.schedule('cleanup', { every: '15 minutes' }, { name: 'maintenance.cleanup' }, { active: false });
await wrkr.publish({ name: 'user.reminder', data: { user: 'u-1042' }, when: '2h' });

const app = await createServer({ wrkr });
const base = await listen(app, { host: '127.0.0.1', port: 0 });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

let n = 0;
const plans = ['pro', 'trial', 'team', 'trial'];
const publishing = setInterval(() => {
  for (let i = 0; i < 3 + Math.round(Math.random() * 4); i++) {
    n++;
    void wrkr.publish({ name: 'user.signed-up', tid: `signup-${n}`, data: { user: `u-${1000 + n}`, email: `user${n}@example.com`, plan: plans[n % 4] }, headers: { 'x-source': 'web', 'x-request-id': `req-${9000 + n}` } });
  }
  void wrkr.publish({ name: 'invoice.created', data: { invoice: `INV-${n}`, amountCents: 1900 + n } });
}, 500);

try {
  mkdirSync(DOCS, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(base + '/#/queues/mail/failed');
  await sleep(WARMUP_MS);
  clearInterval(publishing);
  await sleep(2500);
  await page.locator('#jobs tbody tr[data-job]').first().waitFor();
  await page.screenshot({ path: join(DOCS, 'dashboard-queue.png') });

  const failedId = await page.locator('#jobs tbody tr[data-job]').first().getAttribute('data-job');
  await page.goto(`${base}/#/jobs/mail/${encodeURIComponent(failedId)}`);
  await page.locator('#error details summary').click();
  await page.locator('#payload', { hasText: 'email' }).waitFor();
  await page.screenshot({ path: join(DOCS, 'dashboard-job.png'), fullPage: true });

  await page.goto(base + '/#/');
  await page.locator('#queues tr[data-queue="mail"]').waitFor();
  await sleep(2500);
  await page.screenshot({ path: join(DOCS, 'dashboard.png'), fullPage: true });

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
  await phone.goto(base + '/#/queues/mail/failed');
  await phone.locator('#jobs tbody tr[data-job]').first().waitFor();
  await sleep(2500);
  await phone.screenshot({ path: join(DOCS, 'dashboard-phone.png') });
} finally {
  clearInterval(publishing);
  await browser.close();
  await app.close();
  await wrkr.stop({ timeout: 0 });
}
