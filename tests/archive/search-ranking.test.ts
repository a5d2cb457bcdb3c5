/**
 * The search page ranks across shards as one index of every brief would.
 * Shards are consecutive briefs by date, and Pagefind scores a page against
 * its own index's word statistics; merged as Pagefind merges indexes, a word
 * rare in an old shard and common in the newest (a story that took off)
 * ranked the old passing mentions first, and a shard without one of the
 * query's words matched its pages without it.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/archive/build.js';
import { silentLogger } from '../../src/log.js';
import { launchChromium } from '../helpers/browser.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { searchBundles, serveDir } from './site.js';

const SHARD = 20;
const TAKEN_OFF = 12;
let project: TempProject;
let server: Awaited<ReturnType<typeof serveDir>>;
let browser: Browser;
let outDir: string;

/** 20 briefs from 2024, two of which mention Zephyrium in passing; 20 from 2026, twelve of them about it. */
function writeBriefs(): void {
  const day = (i: number) => String(i).padStart(2, '0');
  for (let i = 1; i <= SHARD; i++) {
    const passing = i <= 2 ? ' Analysts also mentioned Zephyrium in passing.' : '';
    project.writeBrief(
      `old-${day(i)}.md`,
      briefText({ title: `Old brief ${i}`, date: `2024-01-${day(i)}`, source: { name: 'Old Wire', url: `https://example.org/old/${i}` } }, `- Chip news from early 2024.${passing}\n`),
    );
    const story = i <= TAKEN_OFF ? ' Zephyrium shipments doubled. Zephyrium buyers queued.' : '';
    project.writeBrief(
      `new-${day(i)}.md`,
      briefText({ title: `New brief ${i}`, date: `2026-03-${day(i)}`, source: { name: 'New Wire', url: `https://example.org/new/${i}` } }, `- Chip news from 2026.${story}\n`),
    );
  }
}

beforeAll(async () => {
  project = tempProject();
  writeBriefs();
  outDir = path.join(project.root, 'dist');
  await buildArchive(project.config(), { outDir, log: silentLogger, searchShardSize: SHARD });
  server = await serveDir(outDir);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  project?.cleanup();
});

/** The result links of a search, in order, once the page says how many it found. */
async function search(page: Page, q: string): Promise<{ status: string; links: string[] }> {
  await page.goto(`${server.url}/search/?q=${encodeURIComponent(q)}`);
  await page.waitForFunction(() => /found/i.test(document.getElementById('search-status')?.textContent ?? ''), undefined, { timeout: 15_000 });
  return {
    status: (await page.textContent('#search-status')) ?? '',
    links: await page.$$eval('#search-results .item-title a', (as) => as.map((a) => a.getAttribute('href') ?? '')),
  };
}

describe('search across shards', () => {
  it('ranks a story that took off in the newest shard above old passing mentions, as one index would', async () => {
    expect(searchBundles(outDir)).toHaveLength(2);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    const { status, links } = await search(page, 'Zephyrium');
    expect(status).toMatch(/^14 briefs found/);
    // Each new brief names it twice, each old one once: with the same statistics for all, the new ones come first.
    expect(links.slice(0, TAKEN_OFF).every((l) => l.startsWith('/briefs/new-'))).toBe(true);
    expect(links.slice(TAKEN_OFF).sort()).toEqual(['/briefs/old-01/', '/briefs/old-02/']);

    // Only the new briefs have both words; the old shard has no "shipments" at all, and must not match without it.
    const both = await search(page, 'Zephyrium shipments');
    expect(both.status).toMatch(/^12 briefs found/);
    expect(both.links.every((l) => l.startsWith('/briefs/new-'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("loads Pagefind's script, worker and WebAssembly once, however many shards", async () => {
    const page = await browser.newPage();
    const fetched: string[] = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    const { status } = await search(page, 'Zephyrium');
    expect(status).toMatch(/^14 briefs found/);
    const engine = fetched.filter((p) => /\/(pagefind\.js|pagefind-worker\.js|wasm\.[\w-]+\.pagefind)$/.test(p));
    expect(engine.map((p) => path.posix.basename(p)).sort()).toEqual(['pagefind-worker.js', 'pagefind.js', 'wasm.en.pagefind']);
    // Both shards' own index files are still read.
    for (const bundle of searchBundles(outDir)) expect(fetched.some((p) => p.startsWith(bundle) && p.endsWith('.pf_meta'))).toBe(true);
    await page.close();
  }, 60_000);
});
