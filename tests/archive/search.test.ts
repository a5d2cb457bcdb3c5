/**
 * SearchIndexer: pages handed to Pagefind as Eleventy renders them must give
 * the same index as Pagefind reading the finished folder.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndexer, writeSearchIndex } from '../../src/archive/search.js';
import { buildSite, filesUnder, type BuiltSite } from './site.js';

let site: BuiltSite;
let scratch: string;
beforeAll(async () => {
  site = await buildSite({ edition: true, search: false });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'briefing-search-'));
}, 120_000);
afterAll(() => {
  site?.project.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const entry = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'pagefind/pagefind-entry.json'), 'utf8')) as { languages: Record<string, { page_count: number }> };
const fragments = (dir: string) =>
  readdirSync(path.join(dir, 'pagefind/fragment'))
    .map((f) => readFileSync(path.join(dir, 'pagefind/fragment', f)).toString('base64'))
    .sort();

describe('SearchIndexer', () => {
  it('indexes pages handed over one by one exactly as Pagefind indexes the folder', async () => {
    const byFolder = path.join(scratch, 'folder');
    const streamed = path.join(scratch, 'streamed');
    cpSync(site.outDir, byFolder, { recursive: true });
    cpSync(site.outDir, streamed, { recursive: true });
    await writeSearchIndex(byFolder, 'en');
    const indexer = new SearchIndexer('en');
    for (const file of filesUnder(streamed, '.html')) indexer.add(file, readFileSync(path.join(streamed, file), 'utf8'));
    const briefPages = filesUnder(site.outDir, '.html').filter((f) => f.startsWith('briefs/')).length;
    expect(await indexer.finish(streamed)).toBe(briefPages);
    expect(entry(streamed).languages.en!.page_count).toBe(briefPages);
    expect(entry(byFolder).languages.en!.page_count).toBe(briefPages);
    // Fragments carry each result's URL, title and text: the same set either way.
    expect(fragments(streamed)).toEqual(fragments(byFolder));
  }, 120_000);

  it('indexes the whole folder when no page marks its body, as Pagefind does', async () => {
    const dir = path.join(scratch, 'plain');
    mkdirSync(path.join(dir, 'a'), { recursive: true });
    writeFileSync(path.join(dir, 'a/index.html'), '<!doctype html><html lang="en"><body><h1>Plain page</h1><p>Nothing marked here.</p></body></html>');
    const indexer = new SearchIndexer('en');
    indexer.add('a/index.html', readFileSync(path.join(dir, 'a/index.html'), 'utf8'));
    expect(await indexer.finish(dir)).toBe(1);
    expect(entry(dir).languages.en!.page_count).toBe(1);
  }, 60_000);
});
