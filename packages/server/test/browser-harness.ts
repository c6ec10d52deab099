import { existsSync } from 'node:fs';
import { MemoryBackend } from '@wrkr/backend-memory';
import { Wrkr } from '@wrkr/core';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createServer, listen, type AuthOptions } from '../src';

// A browser test waits for the page's 2 s refreshes; on a busy 2-core machine a few of them take a while.
jest.setTimeout(60_000);

/** Debian's chromium (apt-get install chromium); override with CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** `describe`, or `describe.skip` outside CI when Chromium is missing (scripts/services.sh installs it for CI, so there a missing one fails). */
export const describeInBrowser = existsSync(CHROMIUM) || process.env.CI !== undefined ? describe : describe.skip;

/** A started Wrkr on the memory backend (every capability), the server on a loopback port, and headless Chromium. */
export interface Dashboard {
  wrkr: Wrkr;
  app: FastifyInstance;
  base: string;
  browser: Browser;
  /** A new page (default 1200×900) that fails the test on a page error. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Start everything a dashboard test needs; the worker heartbeats every 200 ms so its in-flight count shows quickly. */
export async function startDashboard(options: { auth?: AuthOptions } = {}): Promise<Dashboard> {
  const wrkr = new Wrkr({ backend: new MemoryBackend(), worker: { id: 'dash-worker', heartbeat: '200ms' } });
  await wrkr.start();
  const app = await createServer({ wrkr, ...(options.auth ? { auth: options.auth } : {}) });
  const base = await listen(app, { host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const errors: Error[] = [];
  return {
    wrkr,
    app,
    base,
    browser,
    async page(viewport = { width: 1200, height: 900 }) {
      const page = await browser.newPage({ viewport });
      page.on('pageerror', (err) => errors.push(err));
      return page;
    },
    async close() {
      await browser.close();
      await app.close();
      await wrkr.stop({ timeout: 0 });
      // An uncaught error in the page is a failure even when every assertion held.
      expect(errors).toEqual([]);
    },
  };
}

/** Wait until the dashboard has refreshed `times` more times (its status line names the time of each refresh). */
export async function refreshes(page: Page, times = 2): Promise<void> {
  for (let i = 0; i < times; i++) {
    const before = await page.locator('#status').textContent();
    await page.waitForFunction((text) => document.getElementById('status')!.textContent !== text, before, { timeout: 10_000 });
  }
}

/** The toast showing `text` (each action's feedback). */
export const toast = (page: Page, text: string | RegExp) => page.locator('#toasts .toast', { hasText: text }).last();
