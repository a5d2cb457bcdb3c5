/**
 * The Pagefind search index, written into the built site during the build.
 * Only brief pages carry `data-pagefind-body`, so results are briefs, not
 * theme or edition listings that repeat them.
 *
 * The index is split into shards of consecutive briefs, oldest first, each
 * its own Pagefind bundle under /pagefind/<key>/; the search page merges
 * them in the browser (`shards.json` lists them). Three reasons:
 * - a shard is written as soon as its last page is rendered, while Eleventy
 *   goes on with the rest, so the indexer works on the other core (a fresh
 *   clone of a site of one or two shards even hands each page over as it is
 *   rendered);
 *   shards alternate between two Pagefind processes (pagefind-lane.ts), so
 *   both cores index once Eleventy is done;
 * - Pagefind holds a whole index in memory (~1.3 GB for 10,000 briefs in one
 *   index); one shard at a time in each process keeps that to a fifth;
 * - a shard is named by a hash of exactly what it indexes, and kept in
 *   .cache/briefing/search/: old briefs rarely change, so a weekly build
 *   re-indexes only the newest shard, and readers' browsers keep the rest.
 * Pagefind gets each brief's marked element alone (`searchDocument`), not
 * the whole page: half the bytes to parse, the same index.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, link, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, commitEntry, hasEntries, packageVersion, pruneCache } from '../cache.js';
import type { Config } from '../config/schema.js';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';
import { PagefindPool, type LaneResult, type PagefindLane } from './pagefind-lane.js';

const log = debug('archive:search');

export const SEARCH_BUNDLE = 'pagefind';
/** Lists the shards' bundle URLs: { "bundles": ["/pagefind/<key>/", …] }. */
export const SEARCH_MANIFEST = 'shards.json';
/** The attribute that marks the indexed part of a page (brief pages only). */
export const SEARCH_BODY_ATTRIBUTE = 'data-pagefind-body';
/**
 * Briefs per shard. Smaller shards re-index less each week and need less
 * memory; each costs a searching reader ~10 kB of metadata and its part of
 * the index for each query (20–45 kB a word at 10,000 briefs), kept by the
 * browser while the shard is unchanged. One Pagefind searches them all (see
 * templates/site/assets/search.js.njk).
 */
export const SEARCH_SHARD_SIZE = 1000;
/**
 * Result fragments (a page's title, URL and text) bundled per file. One per
 * page is Pagefind's default: two files per brief in the site, which at
 * 10,000 briefs passes the 20,000-file limit of some hosts. Four to a file
 * makes it 1.25 and Pagefind's write ~10% cheaper; a reader pays ~2.1 KB
 * per result shown instead of ~0.9 KB, ~20 KB more for a page of 20
 * results (measured at 1,000 and 10,000 briefs).
 */
export const SEARCH_FRAGMENTS_PER_FILE = 4;

/** Built shards, kept between builds (see the top of this file). */
export function searchCacheDir(config: Config): string {
  return cacheDir(config, 'search');
}

export interface SearchIndexOptions {
  language: string;
  /** The site folder: bundles go to <siteDir>/pagefind/. */
  siteDir: string;
  /** Where built shards are kept between builds; false builds every shard. */
  cacheDir: string | false;
  shardSize?: number;
  /** The site being replaced (the current release): the shards it served stay for RETIRED_GRACE_MS. */
  previousSiteDir?: string;
  /** The time a shard counts as retired from; tests move it. Default: now. */
  now?: number;
}

/**
 * How long a shard stays in the site once no manifest lists it. A search page loaded before a rebuild
 * holds the old manifest and fetches the old shards' files as readers type; without them it failed
 * ("Search is not available right now") until reloaded. A day outlasts any tab left open over a weekly
 * build but a handful; a week keeps those too, for a few hundred kB of index per retired shard.
 */
export const RETIRED_GRACE_MS = 7 * 24 * 3600 * 1000;
/** Beside the manifest: each retired shard and when it was retired (ms since the epoch). */
export const RETIRED_LIST = 'retired.json';

interface Shard {
  /** Site paths of the pages expected in this shard, in order. */
  paths: string[];
  docs: Map<string, string>;
  scheduled: boolean;
  /** Pages in it, once its build has started. */
  count: number;
  /** Bundle folder name under pagefind/, once built. */
  bundle?: string;
  /** The Pagefind that indexes it, once chosen. */
  lane?: PagefindLane;
  /** Its index in that Pagefind, open since its first page was handed over. */
  index?: number;
}

const SHARD_NAME_LENGTH = 20;
const SHARD_NAME = new RegExp(`^[0-9a-f]{${SHARD_NAME_LENGTH}}$`);

const newShard = (paths: string[] = []): Shard => ({ paths, docs: new Map(), scheduled: false, count: 0 });

/** The site path of a page URL: /briefs/x/ → briefs/x/index.html. */
export function sitePathOf(url: string): string {
  const p = url.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? `${p}index.html` : p;
}

/** Brief pages as the index plans them: oldest first, so new briefs only ever change the last shards. */
export function briefPagesOldestFirst(briefs: ReadonlyArray<{ id: string; date: string; url: string }>): string[] {
  return [...briefs]
    .sort((a, b) => (a.date === b.date ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.date < b.date ? -1 : 1))
    .map((b) => sitePathOf(b.url));
}

/**
 * Takes pages as they are rendered and writes each shard once all its pages
 * are in. `plan` says which pages to expect; a marked page outside the plan
 * goes into one more shard at the end. Should no page be marked at all,
 * `finish` indexes the whole folder, as Pagefind would.
 */
export class SearchIndexer {
  private readonly language: string;
  private readonly siteDir: string;
  private readonly previousSiteDir: string | undefined;
  private readonly now: number | undefined;
  private readonly cacheDir: string | false;
  private readonly shardSize: number;
  private readonly shards: Shard[] = [];
  private readonly shardOf = new Map<string, Shard>();
  private readonly extra = newShard();
  private readonly used = new Set<string>();
  /**
   * Two Pagefind processes, each indexing its shards one after another (see
   * pagefind-lane.ts): one core works on the index while Eleventy renders, both once it is done.
   * Not more on a bigger machine: each holds a shard's index, and a third took a fresh build of
   * 10,000 briefs over 1 GB (1,073–1,119 MB against 932–983 MB, measured; bench/README.md).
   */
  private readonly pagefind: PagefindPool;
  private assigned = 0;
  private readonly builds: Array<Promise<void>> = [];
  private failure: unknown;
  private closed = false;
  private streaming = false;

  constructor(options: SearchIndexOptions) {
    this.language = options.language.split('-')[0] || 'en';
    this.siteDir = path.resolve(options.siteDir);
    this.previousSiteDir = options.previousSiteDir;
    this.now = options.now;
    this.cacheDir = options.cacheDir;
    this.shardSize = Math.max(1, options.shardSize ?? SEARCH_SHARD_SIZE);
    // The worker and the Pagefind processes start only when a lane first gets a page.
    this.pagefind = new PagefindPool(this.language, 2);
  }

  /** The pages to expect, oldest first, by site path (see sitePathOf). */
  plan(sitePaths: readonly string[]): void {
    for (let i = 0; i < sitePaths.length; i += this.shardSize) {
      const shard = newShard(sitePaths.slice(i, i + this.shardSize));
      this.shards.push(shard);
      for (const p of shard.paths) this.shardOf.set(p, shard);
    }
    // With no cached shard to hope for (a fresh clone), a site of no more shards than Pagefind processes
    // hands each page over as it is rendered, each shard to a process of its own; otherwise a shard's index
    // would wait for its last page (1,003 briefs, a shard of 1,000 and one of 3: 2.19–2.23 → 2.04–2.14 s,
    // medians of 7–9 builds each in three batches). Not with more shards: one process would hold several
    // open indexes (measured at 10,000 briefs with every shard streamed: slower, and over 1 GB; with only
    // each process's first shard streamed, no faster: slower in 10 of 13 pairs of builds).
    this.streaming = this.shards.length <= this.pagefind.lanes.length && (!this.cacheDir || !hasEntries(this.cacheDir));
  }

  /** One rendered page; `sitePath` is its file path inside the site, e.g. briefs/x/index.html. */
  add(sitePath: string, html: string): void {
    if (this.closed || !sitePath.endsWith('.html') || !html.includes(SEARCH_BODY_ATTRIBUTE)) return;
    const key = sitePath.split(path.sep).join('/');
    const shard = this.shardOf.get(key) ?? this.extra;
    if (shard === this.extra && !shard.docs.has(key)) shard.paths.push(key);
    const doc = searchDocument(html);
    shard.docs.set(key, doc);
    if (this.streaming && shard !== this.extra) this.stream(shard, key, doc);
    if (shard !== this.extra && shard.docs.size === shard.paths.length) this.schedule(shard);
  }

  /** Pages whose shard is still to be indexed: how long the build will wait for Pagefind. */
  pagesToIndex(): number {
    return [...this.shards, this.extra].reduce((n, s) => n + (s.bundle ? 0 : Math.max(s.count, s.docs.size)), 0);
  }

  /** Waits for every shard, writes the manifest, stops Pagefind. Returns the pages indexed. */
  async finish(): Promise<number> {
    try {
      // Pages the plan expected but that never came (a failed page) do not hold their shard back.
      for (const shard of [...this.shards, this.extra]) if (!shard.scheduled && shard.docs.size > 0) this.schedule(shard);
      await Promise.all(this.builds);
      if (this.failure) throw this.failure;
      const built = [...this.shards, this.extra].filter((s) => s.bundle);
      let count = built.reduce((n, s) => n + s.count, 0);
      let bundles = built.map((s) => `/${SEARCH_BUNDLE}/${s.bundle}/`);
      if (count === 0) {
        count = await this.indexFolder();
        bundles = [`/${SEARCH_BUNDLE}/`];
      }
      const bundleRoot = path.join(this.siteDir, SEARCH_BUNDLE);
      mkdirSync(bundleRoot, { recursive: true });
      const current = new Set(built.map((s) => s.bundle!));
      const retired = await this.keepRetired(bundleRoot, current);
      writeFileSync(path.join(bundleRoot, SEARCH_MANIFEST), JSON.stringify({ bundles }) + '\n');
      // `npm run dev` builds in place: shards of earlier builds past their grace would pile up beside the current ones.
      for (const name of readdirSync(bundleRoot)) if (SHARD_NAME.test(name) && !current.has(name) && !retired.has(name)) rmSync(path.join(bundleRoot, name), { recursive: true, force: true });
      if (this.cacheDir) pruneCache(this.cacheDir, this.used);
      log('indexed %d pages in %d bundle%s', count, bundles.length, bundles.length === 1 ? '' : 's');
      return count;
    } finally {
      await this.close();
    }
  }

  /**
   * Carries the shards the previous site served, and no longer listed, into this one for RETIRED_GRACE_MS
   * (see there), and lists them in RETIRED_LIST. Returns their names.
   */
  private async keepRetired(bundleRoot: string, current: ReadonlySet<string>): Promise<Set<string>> {
    // A build in place (`npm run dev`) keeps none: a reader there is the writer, who reloads.
    if (!this.previousSiteDir) return new Set();
    const previousRoot = path.join(this.previousSiteDir, SEARCH_BUNDLE);
    const now = this.now ?? Date.now();
    const since = new Map<string, number>(Object.entries(readJson<Record<string, number>>(path.join(previousRoot, RETIRED_LIST)) ?? {}));
    const listed = readJson<{ bundles?: string[] }>(path.join(previousRoot, SEARCH_MANIFEST))?.bundles ?? [];
    for (const url of listed) {
      const name = url.split('/').filter(Boolean).at(-1) ?? '';
      if (SHARD_NAME.test(name) && !since.has(name)) since.set(name, now);
    }
    const kept = new Map<string, number>();
    for (const [name, at] of since) {
      if (current.has(name) || now - at >= RETIRED_GRACE_MS || !SHARD_NAME.test(name)) continue;
      const from = path.join(previousRoot, name);
      const to = path.join(bundleRoot, name);
      if (!existsSync(from)) continue;
      await linkTree(from, to);
      kept.set(name, at);
    }
    writeFileSync(path.join(bundleRoot, RETIRED_LIST), JSON.stringify(Object.fromEntries(kept)) + '\n');
    if (kept.size) log('kept %d retired shard%s for readers with the old manifest', kept.size, kept.size === 1 ? '' : 's');
    return new Set(kept.keys());
  }

  /** Stops Pagefind without writing the rest (a failed build). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Each lane's Pagefind is a child process: close them so a CLI run can exit. Closing fails
    // whatever they still had to do, so the shards being built settle at once.
    await this.pagefind.close();
    await Promise.all(this.builds);
  }

  /** A complete shard is built at once: from the cache, or by its lane as soon as the lane has room. */
  private schedule(shard: Shard): void {
    shard.scheduled = true;
    const built = this.closed || this.failure ? Promise.resolve() : this.build(shard);
    this.builds.push(
      built.catch((error: unknown) => {
        this.failure ??= error;
      }),
    );
  }

  private laneOf(shard: Shard): PagefindLane {
    const { lanes } = this.pagefind;
    return (shard.lane ??= lanes[this.assigned++ % lanes.length]!);
  }

  private stream(shard: Shard, sourcePath: string, content: string): void {
    const lane = this.laneOf(shard);
    shard.index ??= lane.newIndex(Math.ceil(shard.paths.length / SEARCH_FRAGMENTS_PER_FILE));
    lane.add(shard.index, sourcePath, content);
  }

  private async build(shard: Shard): Promise<void> {
    const docs = shard.paths.flatMap((p) => (shard.docs.has(p) ? [[p, shard.docs.get(p)!] as const] : []));
    shard.docs.clear();
    if (docs.length === 0) return;
    const started = performance.now();
    const hash = createHash('sha256').update(`pagefind@${packageVersion('pagefind')}\0${this.language}\0${SEARCH_FRAGMENTS_PER_FILE}\0`);
    for (const [p, doc] of docs) hash.update(p).update('\0').update(doc).update('\0');
    const name = hash.digest('hex').slice(0, SHARD_NAME_LENGTH);
    const target = path.join(this.siteDir, SEARCH_BUNDLE, name);
    const cached = this.cacheDir ? path.join(this.cacheDir, name) : undefined;
    if (cached) this.used.add(name);
    shard.count = docs.length;
    // A streamed shard never hits: shards stream only when the cache is empty.
    const hit = cached !== undefined && existsSync(cached);
    if (hit) await linkTree(cached, target);
    else {
      await this.write(shard, docs, target);
      // The cache keeps links to the files just written: nothing is written twice, and a cache that
      // cannot be written costs only the next build's time.
      if (this.cacheDir) await commitEntry(this.cacheDir, name, (tmp) => linkTree(target, tmp));
    }
    shard.bundle = name;
    log('shard %s: %d pages %s in %dms', name, shard.count, hit ? 'from cache' : 'indexed', Math.round(performance.now() - started));
  }

  /**
   * Writes the shard's bundle: from its open index when streamed, else from a new one fed all its
   * pages once its lane has room. Empties `docs`: once handed over, the lane has its own copy.
   */
  private async write(shard: Shard, docs: Array<readonly [string, string]>, outputPath: string): Promise<void> {
    const lane = this.laneOf(shard);
    if (shard.index === undefined) {
      await lane.ready();
      for (const [sourcePath, content] of docs) this.stream(shard, sourcePath, content);
    }
    docs.length = 0;
    const index = shard.index!;
    shard.index = undefined;
    this.check(await lane.write(index, outputPath));
  }

  /** No page marked its body: the whole folder, one bundle at /pagefind/, as Pagefind does by default. */
  private async indexFolder(): Promise<number> {
    return this.check(await this.pagefind.lanes[0]!.indexFolder(this.siteDir, path.join(this.siteDir, SEARCH_BUNDLE)));
  }

  private check(result: LaneResult): number {
    if (result.errors.length > 0) {
      throw new BriefingError('BUILD_FAILED', `search index: ${result.stage ?? 'Pagefind'} failed: ${result.errors.join('; ')}`, { file: this.siteDir });
    }
    return result.count ?? 0;
  }
}

/**
 * What Pagefind needs of a page: the element marked data-pagefind-body, in a
 * bare document that keeps the page's <html> tag (its lang). The whole page
 * when trimming could change the result: several marked elements, or
 * data-pagefind-* attributes outside the marked one.
 */
export function searchDocument(html: string): string {
  const at = html.indexOf(SEARCH_BODY_ATTRIBUTE);
  if (at < 0 || html.includes(SEARCH_BODY_ATTRIBUTE, at + 1)) return html;
  const open = html.lastIndexOf('<', at);
  const name = /^<([a-z][a-z0-9-]*)[\s>]/i.exec(html.slice(open, at))?.[1]?.toLowerCase();
  const end = name ? closingTagEnd(html, open, name) : -1;
  if (end < 0) return html;
  const element = html.slice(open, end);
  if (occurrences(html, 'data-pagefind-') !== occurrences(element, 'data-pagefind-')) return html;
  const htmlTag = /<html\b[^>]*>/i.exec(html)?.[0] ?? '<html>';
  return `<!doctype html>${htmlTag}<body>${element}</body></html>`;
}

/** The index just past the tag that closes the element opened at `open`, or -1. */
function closingTagEnd(html: string, open: number, name: string): number {
  const tags = new RegExp(`<(/?)${name}\\b[^>]*>`, 'gi');
  tags.lastIndex = open;
  let depth = 0;
  for (let m = tags.exec(html); m; m = tags.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return m.index + m[0].length;
  }
  return -1;
}

function occurrences(s: string, what: string): number {
  let n = 0;
  for (let i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length)) n++;
  return n;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * Hard links, so a cached shard costs no copying; a copy where links cannot
 * be made (another disk). Asynchronous: a shard is a thousand files or more,
 * and on a slow disk linking them one by one on the build's thread held
 * Eleventy up for a few hundred milliseconds. The thread pool does them meanwhile.
 */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) return linkTree(source, target);
      try {
        await link(source, target);
      } catch {
        await copyFile(source, target);
      }
    }),
  );
}
