/**
 * The configuration behind the root .eleventy.js: plain Eleventy runs
 * (`npx @11ty/eleventy`, `eleventy --serve`) build the same site as
 * `briefing build`, writing to dist/ in place. Briefs and editions are watch
 * targets, so the dev server rebuilds and reloads while someone writes.
 */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { loadPublished } from '../editions/published.js';
import { consoleLogger } from '../log.js';
import { formatProblem } from '../problems.js';
import { writeEditionEmails } from '../render/email-files.js';
import { archiveData } from './data.js';
import { configureEleventy, siteTemplatesDir, type EleventyUserConfig } from './eleventy-config.js';
import { writeSearchIndex } from './search.js';

interface ProjectUserConfig extends EleventyUserConfig {
  setInputDirectory(dir: string): unknown;
  setOutputDirectory(dir: string): unknown;
}

export function projectEleventyConfig(eleventyConfig: ProjectUserConfig): void {
  const root = process.cwd();
  let config = loadConfig({ root });
  let published: Awaited<ReturnType<typeof loadPublished>> | undefined;
  const relative = (p: string) => path.relative(root, p) || '.';

  eleventyConfig.setInputDirectory(relative(siteTemplatesDir(config)));
  eleventyConfig.setOutputDirectory('dist');
  configureEleventy(eleventyConfig, {
    data: async () => {
      // Re-read on every (re)build: the config, briefs and editions may have changed.
      config = loadConfig({ root });
      published = await loadPublished(config);
      for (const p of published.problems) consoleLogger.warn(`[briefing] ${formatProblem(p)}`);
      return archiveData(published);
    },
  });
  for (const dir of [config.briefsDir, config.editionsDir]) eleventyConfig.addWatchTarget(`${relative(dir)}/**/*.md`);
  eleventyConfig.addWatchTarget(relative(config.file ?? path.join(root, 'briefing.config.yml')));

  eleventyConfig.on('eleventy.after', async ({ directories }: { directories: { output: string } }) => {
    if (!published) return;
    await writeEditionEmails(published, directories.output);
    await writeSearchIndex(directories.output, config.site.language);
  });
}
