/**
 * The configuration behind the root .eleventy.js: plain Eleventy runs
 * (`npx @11ty/eleventy`, `eleventy --serve`) and `briefing dev` (dev-watch.ts) build the same site as
 * `briefing build`, writing to dist/ in place. Briefs and editions are watch
 * targets, so the dev server rebuilds and reloads while someone writes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { loadPublished } from '../editions/published.js';
import { consoleLogger } from '../log.js';
import { formatProblem } from '../problems.js';
import { writeEditionEmails } from '../render/email-files.js';
import { cacheDir } from '../cache.js';
import { writeCards } from './cards.js';
import { configureEleventy, siteTemplatesDir, type EleventyUserConfig } from './eleventy-config.js';
import { loadBriefs } from '../briefs/load.js';
import { BriefPreview } from './dev-preview.js';
import { archiveData, type ArchiveData } from './data.js';
import { archiveMemos } from './memos.js';
import { briefPagesOldestFirst, searchCacheDir, SearchIndexer } from './search.js';
import { SourceWatch } from './source-watch.js';

interface ProjectUserConfig extends EleventyUserConfig {
  setInputDirectory(dir: string): unknown;
  setOutputDirectory(dir: string): unknown;
}

interface BuildEvent {
  directories: { output: string };
  runMode?: 'build' | 'watch' | 'serve';
}

/** `onBuilt`: after each build, once everything it writes is written (search index and cards included). */
export function projectEleventyConfig(eleventyConfig: ProjectUserConfig, options: { onBuilt?: () => void } = {}): void {
  const root = process.cwd();
  let config = loadConfig({ root });
  let published: Awaited<ReturnType<typeof loadPublished>> | undefined;
  let indexer: SearchIndexer | undefined;
  let lastData: ArchiveData | undefined;
  let saved: Promise<void> | undefined;
  let outputDir = path.resolve(root, 'dist');
  const relative = (p: string) => path.relative(root, p) || '.';
  const sources = new SourceWatch(() => [config.briefsDir, config.editionsDir]);

  eleventyConfig.setInputDirectory(relative(siteTemplatesDir(config)));
  eleventyConfig.setOutputDirectory('dist');
  configureEleventy(eleventyConfig, {
    data: async () => {
      // Re-read on every (re)build: the config, briefs and editions may have changed.
      config = loadConfig({ root });
      // What this build reads, noted before reading: a file written after this is caught by the watch below.
      sources.snapshot();
      const memo = archiveMemos(config);
      published = await loadPublished(config, memo.load);
      for (const p of published.problems) consoleLogger.warn(`[briefing] ${formatProblem(p)}`);
      lastData = archiveData(published, memo.data);
      saved = memo.save();
      indexer?.plan(briefPagesOldestFirst(lastData.briefs));
      return lastData;
    },
    // Pagefind takes each page as it is rendered, as in `briefing build`.
    onPage: (outputPath, html) => indexer?.add(path.relative(outputDir, path.resolve(outputPath)), html),
  });
  for (const dir of [config.briefsDir, config.editionsDir]) eleventyConfig.addWatchTarget(`${relative(dir)}/**/*.md`);
  eleventyConfig.addWatchTarget(relative(config.file ?? path.join(root, 'briefing.config.yml')));

  // Eleventy reports watched paths relative to the folder its watcher was rooted at: the project, or `/`
  // when the config file lives elsewhere (as with --config=<briefing>/.eleventy.js).
  const watchedFile = (f: string) => [path.resolve(root, f), path.resolve('/', f)].find((p) => existsSync(p));

  // A saved brief's own page first, then the full rebuild: on 10,000 briefs the rebuild takes seconds.
  const preview = new BriefPreview(siteTemplatesDir(config));
  eleventyConfig.on('eleventy.beforeWatch', async (queue: string[]) => {
    if (!published || !lastData) return;
    const changed = queue.map(watchedFile).filter((f): f is string => f !== undefined && f.endsWith('.md') && !path.relative(config.briefsDir, f).startsWith('..'));
    if (changed.length === 0) return;
    try {
      const { briefs } = await loadBriefs(changed, config.themes);
      preview.write(published, briefs, lastData, outputDir);
    } catch (error) {
      // Only a head start: the rebuild that follows reports any real problem.
      consoleLogger.warn(`[briefing] preview of ${changed.join(', ')} skipped: ${(error as Error).message}`);
    }
  });

  eleventyConfig.on('eleventy.before', ({ directories }: BuildEvent) => {
    outputDir = path.resolve(directories.output);
    sources.buildStarted();
    void indexer?.close();
    indexer = new SearchIndexer({ language: config.site.language, siteDir: outputDir, cacheDir: searchCacheDir(config) });
  });
  eleventyConfig.on('eleventy.after', async ({ directories, runMode }: BuildEvent) => {
    const search = indexer;
    indexer = undefined;
    if (!published) {
      await search?.close();
      return;
    }
    await Promise.all([writeEditionEmails(published, directories.output), writeCards(lastData!.cards, directories.output, cacheDir(config, 'cards')), search?.finish(), saved]);
    options.onBuilt?.();
    // Eleventy's watcher starts only after the first build and skips files added while it scans:
    // a brief saved in those seconds would never be built. Catch it up.
    if (runMode === 'watch' || runMode === 'serve') sources.catchUp();
  });
}
