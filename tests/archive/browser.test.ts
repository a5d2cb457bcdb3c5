import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, seriousViolations } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, SAMPLE_BRIEFS, searchBundles, serveDir, type BuiltSite } from './site.js';

let site: BuiltSite;
let server: Awaited<ReturnType<typeof serveDir>>;
let browser: Browser;

beforeAll(async () => {
  // Small shards, so the search page has several indexes to merge.
  site = await buildSite({ bulk: 60, edition: true, search: true, searchShardSize: 20 });
  server = await serveDir(site.outDir);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  site?.project.cleanup();
});

/** A page that records console errors, page errors and failed requests. */
async function open(colorScheme: 'light' | 'dark' = 'light', width = 1280): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  await page.emulateMedia({ colorScheme });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // An alert() from hostile markup would show up here.
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('requestfailed', (r) => {
    // A click that navigates away cancels requests still in flight (ERR_ABORTED), which on a
    // loaded machine is timing, not a broken resource; any other failure is one.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()}: ${r.url()}`);
  });
  return { page, errors };
}


describe('the archive in Chromium', () => {
  it('opens the home, a theme and a brief page and follows theme links, with no console errors', async () => {
    const { page, errors } = await open();
    await page.goto(`${server.url}/`);
    expect(await page.title()).toBe('Test Briefing');
    // Home → a theme, through the theme column heading.
    await page.click('.theme-column h3 a[href="/themes/safety/"]');
    await page.waitForURL(`${server.url}/themes/safety/`);
    expect(await page.textContent('h1')).toBe('AI safety');
    // Theme → a brief.
    await page.click('.item-title a[href="/briefs/multi-theme/"]');
    await page.waitForURL(`${server.url}/briefs/multi-theme/`);
    expect(await page.textContent('h1')).toBe('Chip rules, open weights and safety in one deal');
    // Brief → its other theme, through the pill.
    await page.click('.brief-head a.pill[href="/themes/open-source/"]');
    await page.waitForURL(`${server.url}/themes/open-source/`);
    expect(await page.textContent('h1')).toBe('Open source');
    // Pagination works by clicking.
    await page.goto(`${server.url}/themes/export-controls/`);
    await page.click('a[rel="next"]');
    await page.waitForURL(`${server.url}/themes/export-controls/page/2/`);
    expect(await page.locator('.item').count()).toBeGreaterThan(0);
    // The email's "more on the web" anchor lands on the section.
    await page.goto(`${server.url}/editions/2026-11-23/#theme-open-source`);
    expect(await page.locator('#theme-open-source h2').textContent()).toBe('Open source');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs a Pagefind search and opens a result, with no CSP or console errors', async () => {
    const { page, errors } = await open();
    await page.goto(`${server.url}/search/`);
    await page.fill('#search-q', 'Nvidia');
    await page.press('#search-q', 'Enter');
    const result = page.locator('#search-results a[href="/briefs/multi-theme/"]');
    await result.waitFor({ timeout: 15_000 });
    expect(await page.textContent('#search-status')).toMatch(/found for “Nvidia”/);
    expect(page.url()).toContain('?q=Nvidia');
    // Drafts are not in the index.
    await page.fill('#search-q', 'DraftCorp');
    await page.press('#search-q', 'Enter');
    await page.waitForFunction(() => /Nothing found/.test(document.getElementById('search-status')?.textContent ?? ''));
    // A query in the URL runs on load; the result opens its brief page.
    await page.goto(`${server.url}/search/?q=Nvidia`);
    await result.waitFor({ timeout: 15_000 });
    await result.click();
    await page.waitForURL(`${server.url}/briefs/multi-theme/`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a result found by its headline shows the text after it, not the headline twice', async () => {
    const { page, errors } = await open();
    await page.goto(`${server.url}/search/?q=${encodeURIComponent('open weights deal')}`);
    const item = page.locator('#search-results li', { has: page.locator('a[href="/briefs/multi-theme/"]') });
    await item.waitFor({ timeout: 15_000 });
    expect(await item.locator('.item-title').textContent()).toBe('Chip rules, open weights and safety in one deal');
    const excerpt = (await item.locator('.item-summary').textContent())!.trim();
    expect(excerpt).not.toMatch(/^(… )?Chip rules, open weights/);
    expect(excerpt).toMatch(/^A brief filed under every theme at once/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('searches every shard of the index: one query finds briefs from all of them', async () => {
    expect(searchBundles(site.outDir).length).toBeGreaterThanOrEqual(3);
    const { page, errors } = await open();
    await page.goto(`${server.url}/search/?q=Bulk%20Wire`);
    // The 60 bulk briefs are spread over the shards; only a merged search counts them all.
    await page.waitForFunction(() => /found for/.test(document.getElementById('search-status')?.textContent ?? ''), undefined, { timeout: 15_000 });
    expect(await page.textContent('#search-status')).toMatch(/^60 briefs found for “Bulk Wire”; showing the first 20\.$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('starts loading the search index when the search box gets focus, before anything is searched', async () => {
    const { page, errors } = await open();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await page.goto(`${server.url}/search/`);
    expect(requested.filter((p) => p.startsWith('/pagefind/'))).toEqual([]);
    const loading = page.waitForRequest((r) => r.url().endsWith('/pagefind.js'), { timeout: 15_000 });
    await page.focus('#search-q');
    await loading;
    expect(requested).toContain('/pagefind/shards.json');
    expect(await page.textContent('#search-status')).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows search results for hostile briefs as text, never as markup', async () => {
    const { page, errors } = await open();
    await page.goto(`${server.url}/search/?q=HostileCorp`);
    await page.locator('#search-results a[href="/briefs/hostile-markup/"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#search-results script, #search-results img, #search-results iframe').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reads fine without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/briefs/multi-theme/`);
    expect(await page.textContent('h1')).toBe('Chip rules, open weights and safety in one deal');
    await page.goto(`${server.url}/search/`);
    expect(await page.locator('noscript').count()).toBe(1);
    await context.close();
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe-core violations (${colorScheme})`, async () => {
      const failures: string[] = [];
      for (const width of [375, 1280]) {
        const { page, errors } = await open(colorScheme, width);
        for (const url of ['/', '/themes/', '/themes/safety/', '/themes/export-controls/page/2/', '/briefs/multi-theme/', '/briefs/hostile-markup/', '/editions/', '/editions/2026-11-23/', '/search/?q=DeepSeek']) {
          await page.goto(`${server.url}${url}`);
          if (url.startsWith('/search/')) await page.locator('#search-results li').first().waitFor({ timeout: 15_000 });
          failures.push(...(await seriousViolations(page)).map((v) => `${width}px ${url}: ${v}`));
        }
        failures.push(...errors);
        await page.close();
      }
      expect(failures).toEqual([]);
    });
  }

  it('fits a 360 px screen without sideways scrolling', async () => {
    const { page } = await open('light', 360);
    for (const url of ['/', '/themes/export-controls/', `/briefs/${path.basename(SAMPLE_BRIEFS[0]!, '.md')}/`, '/briefs/hostile-markup/', '/editions/2026-11-23/', '/search/']) {
      await page.goto(`${server.url}${url}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
    }
    await page.close();
  });
});
