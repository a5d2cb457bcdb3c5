/**
 * The server's own pages in Chromium: accessible (axe-core, light and dark),
 * usable at phone width, and working under their strict CSP.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, seriousViolations } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscriber, requestSubscription } from '../../src/delivery/subscribers.js';
import { createSigner } from '../../src/delivery/tokens.js';
import { createOutboxTransport } from '../../src/delivery/outbox.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { tempProject, type TempProject } from '../helpers/project.js';

const SECRET = 'pages-test-secret-0123456789abcdef';

let project: TempProject;
let db: Db;
let server: RunningServer;
let browser: Browser;
const urls: Record<string, string> = {};

beforeAll(async () => {
  project = tempProject();
  mkdirSync(path.join(project.root, 'dist'), { recursive: true });
  db = openDatabase(project.dataDir);
  const signer = createSigner(SECRET);
  const reader = addSubscriber(db, { email: 'reader@example.org', themes: ['safety'], source: 'test' }).subscriber;
  const pending = requestSubscription(db, 'pending@example.org', []).subscriber!;
  urls.subscribe = '/subscribe';
  urls.confirm = `/confirm?token=${signer.sign('confirm', pending)}`;
  urls.preferences = `/preferences?token=${signer.sign('preferences', reader)}`;
  urls.unsubscribe = `/unsubscribe?token=${signer.sign('unsubscribe', reader)}`;
  urls.invalid = '/unsubscribe?token=1.forged';
  server = await startServer(project.config({ BRIEFING_SECRET: SECRET }), {
    distDir: path.join(project.root, 'dist'),
    port: 0,
    log: silentLogger,
    db,
    transport: createOutboxTransport(path.join(project.dataDir, 'outbox', 'confirmations'), { unique: true }),
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  db?.close();
  project?.cleanup();
});

async function open(width: number, colorScheme: 'light' | 'dark'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 800 } });
  await page.emulateMedia({ colorScheme });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.location().url)) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}


describe('server pages in Chromium', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    it(`have no serious axe violations or console errors and fit a phone (${colorScheme})`, async () => {
      for (const name of ['subscribe', 'confirm', 'preferences', 'unsubscribe', 'invalid']) {
        const { page, errors } = await open(375, colorScheme);
        await page.goto(server.url + urls[name]);
        expect(await page.locator('h1').count(), name).toBe(1);
        expect(await seriousViolations(page), name).toEqual([]);
        // The invalid-link page is a 404 on purpose; Chromium logs that status as a console error.
        expect(errors.filter((e) => !(name === 'invalid' && /status of 404/.test(e))), name).toEqual([]);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
        expect(overflow, name).toBe(false);
        // The inline stylesheet is allowed by its CSP hash: styles apply.
        const maxWidth = await page.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth);
        expect(maxWidth, name).not.toBe('none');
        await page.close();
      }
    });
  }

  it('the unsubscribe button works in a real browser', async () => {
    const { page } = await open(1100, 'light');
    await page.goto(server.url + urls.unsubscribe);
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.waitForSelector('text=You are unsubscribed');
    expect(db.prepare("SELECT status FROM subscribers WHERE email_key = 'reader@example.org'").get()).toEqual({ status: 'unsubscribed' });
    await page.close();
  });
});
