/**
 * Search in one browser context across a rebuild. A build renames the changed shard, and the search page
 * loaded before it still holds the old manifest: the old shard must stay in the new site for a while
 * (RETIRED_GRACE_MS in search.ts), and a page loaded after it must get the new manifest, not a cached one.
 * Before, the second search in the same tab showed "Search is not available right now".
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildArchive } from '../../src/archive/build.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { launchChromium } from '../helpers/browser.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { SAMPLE_BRIEFS } from './site.js';

let project: TempProject;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  project = tempProject({ briefs: SAMPLE_BRIEFS });
  // Enough briefs that one search does not fetch every file of the index: results come in files of a few.
  for (let i = 1; i <= 40; i++) {
    project.writeBrief(`bird-${i}.md`, briefText({ title: `Brief ${i}`, date: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}`, source: { name: 'Wire', url: `https://example.org/b/${i}` } }, `- Tagged ${i === 1 ? 'osprey' : i === 40 ? 'heron' : 'plain'}.\n`));
  }
  await buildArchive(project.config(), { log: silentLogger });
  server = await startServer(project.config({ BRIEFING_SECRET: 'search-rebuild-secret-0123456789' }), { distDir: path.join(project.root, 'dist'), port: 0, log: silentLogger });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  project?.cleanup();
});

it('finds briefs in a tab opened before a rebuild, and in a reload after it', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const search = async (q: string) => {
    await page.fill('#search-q', q);
    await page.press('#search-q', 'Enter');
    await page.waitForFunction(() => !/Searching/.test(document.getElementById('search-status')!.textContent ?? '') && (document.getElementById('search-status')!.textContent ?? '') !== '', undefined, { timeout: 15_000 });
    return page.textContent('#search-status');
  };
  await page.goto(`${server.url}/search/`);
  expect(await search('osprey')).toMatch(/^1 brief found/);

  // A new brief changes the only shard: the rebuilt site lists a new one.
  project.writeBrief('zephyr.md', briefText({ title: 'Zephyrium chips reach the market', date: '2026-11-30' }, '- Zephyrium ships.\n'));
  await buildArchive(project.config(), { log: silentLogger });

  // The same tab, its engine loaded from the old manifest: a new query loads more of the old shard.
  expect(await search('heron')).toMatch(/^1 brief found/);
  // A reload in the same context revalidates the manifest and finds the new brief.
  await page.reload();
  expect(await search('Zephyrium')).toMatch(/^1 brief found/);
  await context.close();
}, 120_000);
