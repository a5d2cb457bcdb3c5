/**
 * `briefing build`: the web archive. Loads what is published (the same
 * validation as `briefing check`), runs Eleventy programmatically into a
 * release folder of its own (releases.ts), adds the edition emails and the search
 * index, then points the output at it in one step. Any failure before
 * that leaves the previous site exactly as it was.
 */
// Before Eleventy: it reads the setting this sets when it loads (see eleventy-env.ts).
import { restoreEleventyEnv } from './eleventy-env.js';
import Eleventy from '@11ty/eleventy';
import { spawn } from 'node:child_process';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { cacheDir, hasEntries } from '../cache.js';
import type { Config } from '../config/schema.js';
import { loadPublished } from '../editions/published.js';
import { BriefingError, InputError, UsageError } from '../errors.js';
import { debug, type Logger } from '../log.js';
import { collectGarbage } from '../memory.js';
import { displayPath } from '../paths.js';
import { formatProblem, hasErrors, type Problem } from '../problems.js';
import { EMAIL_WORKER_FROM, planEditionEmails } from '../render/email-files.js';
import { writeCards } from './cards.js';
import { archiveData, type ArchiveData } from './data.js';
import { configureEleventy, siteTemplatesDir, type EleventyUserConfig } from './eleventy-config.js';
import { archiveMemos } from './memos.js';
import { BUILD_MARKER, currentRelease, newRelease, publishRelease, staleReleases } from './releases.js';
import { PageWriter } from './page-writer.js';
import { briefPagesOldestFirst, SEARCH_SHARD_SIZE, searchCacheDir, SearchIndexer } from './search.js';

const log = debug('archive:build');
restoreEleventyEnv();

export { BUILD_MARKER } from './releases.js';

export interface BuildOptions {
  /** Output folder; relative paths are resolved from the project root. Default: <root>/dist. */
  outDir?: string;
  /** Refuse to build (and keep the old site) when any brief or edition is invalid. */
  strict?: boolean;
  log: Logger;
  /** Write the Pagefind index (default true). */
  search?: boolean;
  /** Briefs per search index shard (default SEARCH_SHARD_SIZE). */
  searchShardSize?: number;
  /** Include editions not yet public, and their briefs (a local preview: see PublishedOptions.drafts). */
  drafts?: boolean;
}

export interface BuildResult {
  outDir: string;
  /** Pages Eleventy wrote (HTML and feeds). */
  pages: number;
  problems: Problem[];
}

export async function buildArchive(config: Config, options: BuildOptions): Promise<BuildResult> {
  const outDir = path.resolve(config.root, options.outDir ?? 'dist');
  await checkOutDir(config, outDir);

  let started = performance.now();
  const lap = (what: string) => {
    log('%s: %dms', what, Math.round(performance.now() - started));
    started = performance.now();
  };
  // What killed builds left is removed first, so a failing build does not add to it.
  const previous = await currentRelease(outDir);
  // The site being replaced, when it is a complete build: unchanged pages and retired search shards come from it.
  const previousSite = previous && existsSync(path.join(previous, BUILD_MARKER)) ? previous : undefined;
  for (const dir of await staleReleases(outDir, [previous])) removeInBackground(dir);
  const staging = await newRelease(outDir);
  let indexer: SearchIndexer | undefined;
  let emails: Promise<unknown> | undefined;
  let cards: Promise<unknown> | undefined;
  let writer: PageWriter | undefined;
  let memos: Promise<void> | undefined;
  try {
    const memo = archiveMemos(config);
    const published = await loadPublished(config, { ...memo.load, drafts: Boolean(options.drafts) });
    lap('load briefs and editions');
    const { problems } = published;
    for (const p of problems) options.log.warn(formatProblem(p));
    const badFiles = new Set(problems.filter((p) => p.severity === 'error').map((p) => p.file));
    if (badFiles.size > 0) {
      options.log.warn(`${badFiles.size} invalid file${badFiles.size === 1 ? '' : 's'} left out of the archive: ${[...badFiles].join(', ')}`);
    }
    if (options.strict && hasErrors(problems)) {
      throw new InputError('BRIEF_INVALID', `--strict: ${badFiles.size} invalid file${badFiles.size === 1 ? '' : 's'}; nothing built, ${displayPath(outDir)} left as it was`);
    }

    // Edition emails not in the cache: many (a fresh clone) render in a worker thread on the other core while
    // Eleventy makes the pages; a few render on this thread once Eleventy is done, while the other core
    // finishes the pages and the search index (measured, fresh clone of 1,000 briefs with search: 2.53 → 2.35 s).
    const editionEmails = planEditionEmails(published, staging, { workerFrom: EMAIL_WORKER_FROM });
    const renderEmails = (): Promise<unknown> => {
      const rendering = editionEmails.render();
      rendering.catch(() => undefined); // awaited before the swap; never an unhandled rejection meanwhile
      return rendering;
    };
    if (editionEmails.inWorker) emails = renderEmails();
    const withSearch = options.search ?? true;
    // A weekly build (shards in the cache) renders the newest briefs first: their shard, the one that
    // changed, is then indexed while Eleventy renders the rest, not after it (measured: 1,000 briefs,
    // ~200 → ~60–90 ms of waiting after Eleventy). A fresh clone renders oldest first, so what is left for
    // after Eleventy is the newest shard, the only one that may be partly full.
    const data = archiveData(published, { ...memo.data, newestFirst: withSearch && hasEntries(searchCacheDir(config)) });
    // Now, not after Eleventy: saving lets go of the memos' entries, which held through Eleventy
    // raised its peak by ~65 MB at 10,000 briefs (measured). The files are written meanwhile.
    memos = memo.save();
    lap('archive data');
    if (withSearch) indexer = planSearch(config, data, staging, previousSite, options.searchShardSize);
    const input = siteTemplatesDir(config);
    log('eleventy %s → %s (%d briefs)', input, staging, data.briefs.length);
    const search = indexer;
    const pages = new PageWriter({ siteDir: staging, previousDir: previousSite, compress: true });
    writer = pages;
    await runEleventy(input, staging, data, (outputPath, html) => {
      const file = path.resolve(outputPath);
      pages.write(file, html);
      search?.add(path.relative(staging, file), html);
    });
    lap('eleventy');
    emails ??= renderEmails();
    // Share images and icons: on this thread, while the worker writes the last pages and Pagefind indexes.
    cards = writeCards(data.cards, staging, cacheDir(config, 'cards'));
    cards.catch(() => undefined);
    // While Pagefind indexes the rest (seconds, with a shard's worth left), let Eleventy's memory go
    // (see memory.ts). Not for less: a full collection takes this thread a few hundred milliseconds.
    if (search && search.pagesToIndex() >= SEARCH_SHARD_SIZE) collectGarbage();
    // Pagefind (its own process) writes the last shards; it, the emails and the last pages finish before the swap.
    const [written, emailed, indexed, drawn] = await Promise.allSettled([pages.done(), emails, search?.finish(), cards, memos]);
    if (written.status === 'rejected') throw written.reason;
    for (const settled of [emailed, indexed, drawn]) if (settled.status === 'rejected') throw settled.reason;
    const pageCount = written.value;
    lap(search ? 'pages, edition emails and search index' : 'pages and edition emails');
    await writeFile(path.join(staging, BUILD_MARKER), 'Built by `briefing build`; this folder is replaced by the next build.\n');
    await publishRelease(outDir, staging);
    for (const dir of await staleReleases(outDir, [staging, previous])) removeInBackground(dir);
    lap('swap');
    options.log.info(
      `Built ${pageCount} pages from ${data.briefs.length} brief${data.briefs.length === 1 ? '' : 's'} and ` +
        `${data.editions.length} edition${data.editions.length === 1 ? '' : 's'} into ${displayPath(outDir)}`,
    );
    return { outDir, pages: pageCount, problems };
  } catch (cause) {
    await indexer?.close();
    // A worker still writing into the staging folder would leave files behind after it is removed.
    await Promise.allSettled([emails, cards, writer?.close()]);
    await memos;
    await rm(staging, { recursive: true, force: true });
    if (cause instanceof BriefingError) throw cause;
    throw new BriefingError('BUILD_FAILED', `the build failed; ${displayPath(outDir)} was left as it was`, { file: displayPath(outDir), cause: causeChain(cause) });
  }
}

/** The search index of this build, planned: shards already built come from the cache, retired ones from `previous`. */
function planSearch(config: Config, data: ArchiveData, staging: string, previous: string | undefined, shardSize: number | undefined): SearchIndexer {
  const indexer = new SearchIndexer({ language: config.site.language, siteDir: staging, cacheDir: searchCacheDir(config), shardSize, previousSiteDir: previous });
  indexer.plan(briefPagesOldestFirst(data.briefs));
  return indexer;
}

const eleventyLog = debug('archive:eleventy');
const eleventyOutput = { log: eleventyLog, info: eleventyLog, warn: eleventyLog, error: eleventyLog };

/**
 * Eleventy's render, in a function of its own so that nothing holds Eleventy
 * (its page data and rendered content) once it is done: the search index is
 * still being written, and that memory can go meanwhile. Eleventy writes
 * nothing itself (dryRun): `onPage` gets each finished page (see page-writer.ts).
 */
async function runEleventy(input: string, output: string, data: ArchiveData, onPage: (outputPath: string, content: string) => void): Promise<void> {
  const elev = new Eleventy(input, output, {
    quietMode: true,
    dryRun: true,
    // Never pick up a project's .eleventy.js here: this build configures itself.
    configPath: '',
    config: (eleventyConfig: EleventyUserConfig) => {
      // Its warnings that a configured function took over 8% of the build ("[11ty] Benchmark … Transform")
      // ignore quietMode (seen: a weekly `briefing build` of 1,000 briefs): to DEBUG with the rest.
      eleventyConfig.benchmarks?.config?.logger?.overrideLogger(eleventyOutput);
      configureEleventy(eleventyConfig, { data: async () => data, onPage });
    },
  });
  // Eleventy's console output goes to DEBUG=Briefing:archive:eleventy; its errors are thrown and reported by the caller.
  elev.logger.overrideLogger(eleventyOutput);
  await elev.write();
}

/**
 * The swap replaces the whole folder, so refuse folders that are not a
 * previous build: the project itself, its sources, or anything else with files in it.
 */
async function checkOutDir(config: Config, outDir: string): Promise<void> {
  const inside = (parent: string, child: string) => {
    const rel = path.relative(parent, child);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  for (const source of [config.root, config.briefsDir, config.editionsDir, config.templatesDir, config.dataDir]) {
    if (inside(outDir, source)) throw new UsageError(`--out ${displayPath(outDir)} would replace ${displayPath(source)}; choose a separate folder such as dist`);
  }
  let entries: string[];
  try {
    if (!(await stat(outDir)).isDirectory()) throw new UsageError(`--out ${displayPath(outDir)} is a file, not a folder`);
    entries = await readdir(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const looksBuilt = entries.length === 0 || entries.includes(BUILD_MARKER) || entries.includes('index.html');
  if (!looksBuilt) throw new UsageError(`--out ${displayPath(outDir)} holds files that are not a built archive; refusing to replace it`);
}

/** Removes `dir` without holding up the build (or the CLI's exit); in-process if no child can be started. */
export function removeInBackground(dir: string): void {
  const script = 'require("node:fs").rmSync(process.argv[1], { recursive: true, force: true })';
  try {
    const child = spawn(process.execPath, ['-e', script, dir], { detached: true, stdio: 'ignore' });
    child.on('error', () => void rm(dir, { recursive: true, force: true }).catch(() => undefined));
    child.unref();
  } catch {
    void rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Eleventy wraps the real error (a template's line and column) in
 * `originalError`, which the CLI's error printer does not follow: turn that
 * into a `cause` chain so a writer sees where the template broke.
 */
function causeChain(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 6) return error;
  const inner = (error as Error & { originalError?: unknown }).originalError ?? error.cause;
  if (inner === undefined) return error;
  const copy = new Error(error.message.split('\n')[0], { cause: causeChain(inner, depth + 1) });
  copy.stack = error.stack;
  return copy;
}

