/**
 * SearchIndexer: pages handed to Pagefind as Eleventy renders them, in
 * shards, must give the same index as Pagefind reading the finished folder;
 * unchanged shards come from the cache.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as pagefind from 'pagefind';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { briefPagesOldestFirst, SEARCH_FRAGMENTS_PER_FILE, searchDocument, SearchIndexer, type SearchIndexOptions } from '../../src/archive/search.js';
import { buildSite, filesUnder, searchBundles, type BuiltSite } from './site.js';

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

const pageCount = (bundleDir: string) =>
  (JSON.parse(readFileSync(path.join(bundleDir, 'pagefind-entry.json'), 'utf8')) as { languages: Record<string, { page_count: number }> }).languages.en!.page_count;
const fragmentFiles = (bundleDir: string) => readdirSync(path.join(bundleDir, 'fragment')).map((f) => path.join(bundleDir, 'fragment', f));
/** JSON text with every object's keys in order: a grouped fragment lists its fields in another order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
/**
 * The fragments (a result's URL, title and text) in a bundle's fragment
 * files, as JSON text, sorted. A file holds one fragment, or a group of
 * them keyed by page (Pagefind's maxFragments), gzipped behind a signature.
 */
const fragmentsIn = (files: string[]) =>
  files
    .flatMap((file) => {
      const json = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8').replace(/^pagefind_dcd/, '')) as Record<string, unknown>;
      return path.basename(file).includes('_group_') ? Object.values(json) : [json];
    })
    .map(canonical)
    .sort();
/** Every fragment of every bundle in the site. */
const fragments = (dir: string) => fragmentsIn(searchBundles(dir).flatMap((b) => fragmentFiles(path.join(dir, b))));

/** Pagefind's own reading of a folder, one fragment file per page: the reference. */
async function indexFolder(dir: string): Promise<string[]> {
  const { index } = await pagefind.createIndex({ forceLanguage: 'en' });
  await index!.addDirectory({ path: dir });
  await index!.writeFiles({ outputPath: path.join(dir, 'pagefind') });
  await pagefind.close();
  return fragmentsIn(fragmentFiles(path.join(dir, 'pagefind')));
}

/** The plan: every brief page of the built site, in a fixed order. */
const briefPages = () => filesUnder(site.outDir, '.html').filter((f) => f.startsWith('briefs/')).sort();

/** Streams the built site's pages into a fresh indexer, newest brief first, as a shuffled render would. */
async function streamSite(dir: string, options: Partial<SearchIndexOptions> = {}): Promise<number> {
  const indexer = new SearchIndexer({ language: 'en', siteDir: dir, cacheDir: false, ...options });
  indexer.plan(briefPages());
  for (const file of filesUnder(dir, '.html').reverse()) indexer.add(file, readFileSync(path.join(dir, file), 'utf8'));
  return indexer.finish();
}

describe('SearchIndexer', () => {
  it('indexes pages handed over one by one, in shards, exactly as Pagefind indexes the folder', async () => {
    const byFolder = path.join(scratch, 'folder');
    const oneShard = path.join(scratch, 'one');
    const twoShards = path.join(scratch, 'two');
    const shards = path.join(scratch, 'shards');
    for (const dir of [byFolder, oneShard, twoShards, shards]) cpSync(realpathSync(site.outDir), dir, { recursive: true });
    const reference = await indexFolder(byFolder);
    const briefs = filesUnder(site.outDir, '.html').filter((f) => /^briefs\/[^/]+\/index\.html$/.test(f)).length;
    expect(briefs).toBeGreaterThan(4);
    expect(await streamSite(oneShard)).toBe(briefs);
    // No more shards than Pagefind processes: each streamed to a process of its own as its pages come.
    expect(await streamSite(twoShards, { shardSize: Math.ceil(briefs / 2) })).toBe(briefs);
    expect(await streamSite(shards, { shardSize: 2 })).toBe(briefs);

    expect(searchBundles(oneShard)).toHaveLength(1);
    expect(searchBundles(twoShards)).toHaveLength(2);
    expect(searchBundles(shards)).toHaveLength(Math.ceil(briefs / 2));
    const counts = searchBundles(shards).map((b) => pageCount(path.join(shards, b)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(briefs);
    // Fragments carry each result's URL, title and text: the same set either way, however they are grouped
    // into files (SEARCH_FRAGMENTS_PER_FILE to a file: two to a shard of two pages).
    expect(reference).toHaveLength(briefs);
    expect(fragments(oneShard)).toEqual(reference);
    expect(fragments(twoShards)).toEqual(reference);
    expect(fragments(shards)).toEqual(reference);
    expect(fragmentFiles(path.join(oneShard, searchBundles(oneShard)[0]!))).toHaveLength(Math.ceil(briefs / SEARCH_FRAGMENTS_PER_FILE));
    for (const b of searchBundles(shards)) expect(fragmentFiles(path.join(shards, b))).toHaveLength(1);
    // Pagefind's ready-made interfaces are not written: the search page does not use them.
    const bundleFiles = readdirSync(path.join(oneShard, searchBundles(oneShard)[0]!));
    expect(bundleFiles).toContain('pagefind.js');
    expect(bundleFiles.filter((f) => /ui|highlight/.test(f))).toEqual([]);
  }, 120_000);

  it('takes unchanged shards from the cache; a new brief re-indexes only the last shard', async () => {
    const cacheDir = path.join(scratch, 'cache');
    const first = path.join(scratch, 'cached-1');
    const second = path.join(scratch, 'cached-2');
    cpSync(realpathSync(site.outDir), first, { recursive: true });
    cpSync(realpathSync(site.outDir), second, { recursive: true });
    await streamSite(first, { shardSize: 2, cacheDir });
    const before = searchBundles(first);
    expect(readdirSync(cacheDir).sort()).toEqual(before.map((b) => path.basename(b)).sort());

    // The same pages plus one newer brief: every shard but the last is unchanged.
    const newest = 'briefs/zz-newest/index.html';
    mkdirSync(path.join(second, path.dirname(newest)), { recursive: true });
    writeFileSync(
      path.join(second, newest),
      '<!doctype html><html lang="en"><body><article data-pagefind-body><h1>Newest brief about Zephyrium</h1><p>Zephyrium export rules.</p></article></body></html>',
    );
    const indexer = new SearchIndexer({ language: 'en', siteDir: second, cacheDir, shardSize: 2 });
    indexer.plan([...briefPages(), newest]);
    for (const file of filesUnder(second, '.html')) indexer.add(file, readFileSync(path.join(second, file), 'utf8'));
    await indexer.finish();
    const after = searchBundles(second);
    const unchanged = Math.floor(briefPages().length / 2);
    expect(after.slice(0, unchanged)).toEqual(before.slice(0, unchanged));
    expect(after.at(-1)).not.toBe(before.at(-1));
    // Cached shards are linked into the site, not copied, and the stale last shard is pruned.
    const entry = path.join(second, after[0]!, 'pagefind-entry.json');
    expect(statSync(entry).nlink).toBeGreaterThan(1);
    expect(readdirSync(cacheDir).sort()).toEqual(after.map((b) => path.basename(b)).sort());
    expect(existsSync(path.join(cacheDir, path.basename(before.at(-1)!)))).toBe(briefPages().length % 2 === 0);
  }, 120_000);

  it('leaves no shards of an earlier build in a folder built in place (npm run dev)', async () => {
    const dir = path.join(scratch, 'in-place');
    cpSync(realpathSync(site.outDir), dir, { recursive: true });
    await streamSite(dir, { shardSize: 2 });
    const first = searchBundles(dir);
    await streamSite(dir, { shardSize: 3 });
    const current = searchBundles(dir).map((b) => path.basename(b));
    expect(current).not.toEqual(first.map((b) => path.basename(b)));
    expect(readdirSync(path.join(dir, 'pagefind')).sort()).toEqual([...current, 'shards.json'].sort());
  }, 120_000);

  it('indexes the whole folder when no page marks its body, as Pagefind does', async () => {
    const dir = path.join(scratch, 'plain');
    mkdirSync(path.join(dir, 'a'), { recursive: true });
    writeFileSync(path.join(dir, 'a/index.html'), '<!doctype html><html lang="en"><body><h1>Plain page</h1><p>Nothing marked here.</p></body></html>');
    const indexer = new SearchIndexer({ language: 'en', siteDir: dir, cacheDir: false });
    indexer.add('a/index.html', readFileSync(path.join(dir, 'a/index.html'), 'utf8'));
    expect(await indexer.finish()).toBe(1);
    expect(searchBundles(dir)).toEqual(['/pagefind/']);
    expect(pageCount(path.join(dir, 'pagefind'))).toBe(1);
  }, 60_000);
});

describe('briefPagesOldestFirst', () => {
  it('orders brief pages by date, then id, so new briefs only change the last shard', () => {
    const b = (id: string, date: string) => ({ id, date, url: `/briefs/${id}/` });
    expect(briefPagesOldestFirst([b('c', '2026-02-01'), b('b', '2025-12-31'), b('a', '2026-02-01')])).toEqual([
      'briefs/b/index.html',
      'briefs/a/index.html',
      'briefs/c/index.html',
    ]);
  });
});

describe('searchDocument', () => {
  const page = (article: string, extra = '') =>
    `<!doctype html><html lang="fr"><head><title>T</title></head><body><nav>Menu</nav>${article}<aside>${extra}</aside></body></html>`;

  it('keeps only the marked element and the page’s <html> tag', () => {
    const article = '<article class="brief" data-pagefind-body><h1 data-pagefind-meta="title">Hi</h1><article>inner</article><p>Text</p></article>';
    expect(searchDocument(page(article, '<article>after</article>'))).toBe(`<!doctype html><html lang="fr"><body>${article}</body></html>`);
  });

  it('keeps the whole page when trimming could change what Pagefind sees', () => {
    const twoBodies = page('<main data-pagefind-body>a</main>', '<div data-pagefind-body>b</div>');
    const metaOutside = page('<main data-pagefind-body>a</main>', '<span data-pagefind-filter="x">y</span>');
    const unclosed = page('<main data-pagefind-body>a');
    for (const html of [twoBodies, metaOutside, unclosed]) expect(searchDocument(html)).toBe(html);
  });
});
