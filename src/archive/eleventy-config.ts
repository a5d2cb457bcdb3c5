/**
 * The one Eleventy configuration, shared by `briefing build` (programmatic,
 * see build.ts), `briefing dev` (`npm run dev`) and the root .eleventy.js (`npx @11ty/eleventy`).
 *
 * Eleventy only ever sees templates/site: briefs reach it as global data
 * (`archive`), so brief text is never a template and never meets Nunjucks
 * as code. Templates are .njk files, and .11ty.mjs files for the paginated
 * pages (see renderLayout); Markdown is not a format here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type nunjucksLib from 'nunjucks';
import type { Config } from '../config/schema.js';
import { BUILTIN_TEMPLATES } from '../paths.js';
import type { ArchiveData } from './data.js';
import { filters } from './filters.js';

/**
 * The site templates: the project's own templates/site when it has one,
 * otherwise the ones shipped with Briefing.
 */
export function siteTemplatesDir(config: Config): string {
  const own = path.join(config.templatesDir, 'site');
  return existsSync(own) ? own : path.join(BUILTIN_TEMPLATES, 'site');
}

/**
 * Eleventy's merge step deep-copies plain objects into every template's
 * data. A class instance is passed by reference instead, so 10,000 briefs
 * are not copied once per template.
 */
export class Archive {
  constructor(data: ArchiveData) {
    Object.assign(this, data);
  }
}

/**
 * Autoescape is Nunjucks' default; stated so it cannot be lost. Only
 * renderMarkdown output is printed with `| safe`. Shared with dev-preview.ts,
 * which must render a brief page exactly as Eleventy does.
 */
export const NUNJUCKS_OPTIONS = Object.freeze({ autoescape: true, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true });

/** The subset of Eleventy's UserConfig used here (Eleventy ships no types for it). */
export interface EleventyUserConfig {
  addGlobalData(name: string, data: unknown): unknown;
  addFilter(name: string, fn: (...args: never[]) => unknown): unknown;
  addJavaScriptFunction(name: string, fn: (...args: never[]) => unknown): unknown;
  setTemplateFormats(formats: string[]): unknown;
  setNunjucksEnvironmentOptions(options: Record<string, unknown>): unknown;
  addWatchTarget(target: string): unknown;
  setQuietMode(quiet: boolean): unknown;
  setDataFileBaseName?(name: string): unknown;
  addTransform(name: string, fn: (this: { page: { outputPath: string | false } }, content: string) => unknown): unknown;
  on(event: string, fn: (...args: never[]) => unknown): unknown;
  /** Eleventy's internal timers; `config` times configured functions (filters, transforms) and warns of slow ones. */
  benchmarks?: { config?: { logger?: { overrideLogger(logger: Record<'log' | 'info' | 'warn' | 'error', (message: string) => void>): void } } };
}

/**
 * Registers everything the archive needs. `data` is called on every build,
 * so watch mode picks up new briefs on each rebuild.
 */
export function configureEleventy(
  eleventyConfig: EleventyUserConfig,
  options: {
    data: () => Promise<ArchiveData>;
    /**
     * Each finished page, with its output path, as `briefing build` writes it (Eleventy runs with dryRun
     * there, see page-writer.ts) and indexes it for search. Eleventy's own transforms (bundles, its HTML
     * transformer) run after this one, and change nothing here: this configuration has no bundles and no URL
     * transforms. A test compares every page written with Eleventy's own output, byte for byte.
     */
    onPage?: (outputPath: string, content: string) => void;
  },
): void {
  eleventyConfig.addGlobalData('archive', async () => new Archive(await options.data()));
  const { onPage } = options;
  if (onPage) {
    eleventyConfig.addTransform('briefing-page', function (content) {
      if (this.page.outputPath) onPage(this.page.outputPath, content);
      return content;
    });
  }
  for (const [name, fn] of Object.entries(filters)) eleventyConfig.addFilter(name, fn as (...args: never[]) => unknown);
  // No Markdown or Liquid files are ever templates here.
  eleventyConfig.setTemplateFormats(['njk', '11ty.js']);
  eleventyConfig.setNunjucksEnvironmentOptions({ ...NUNJUCKS_OPTIONS });
  addRenderLayout(eleventyConfig);
}

/**
 * `this.renderLayout(name, data)` in the paginated .11ty.mjs templates (one
 * page per brief, theme page, edition, theme feed): renders a Nunjucks
 * template from _includes with Eleventy's own Nunjucks environment (its
 * options, filters and loader). Eleventy 3.1 compiles a paginated .njk
 * template anew for every page, as its Nunjucks engine opts out of its
 * template cache; even a one-line `{% extends %}` cost ~0.1 ms a page
 * (measured at 1,000 briefs). A JavaScript template is compiled once, and
 * Nunjucks caches the layout.
 */
function addRenderLayout(eleventyConfig: EleventyUserConfig): void {
  let nunjucks: nunjucksLib.Environment | undefined;
  // Emitted each time Eleventy makes its Nunjucks engine: once per build, and again after edits in `--serve`.
  eleventyConfig.on('eleventy.engine.njk', ({ environment }: { environment: nunjucksLib.Environment }) => {
    nunjucks = environment;
  });
  eleventyConfig.addJavaScriptFunction('renderLayout', (name: string, data: object) => {
    if (!nunjucks) throw new Error(`renderLayout(${JSON.stringify(name)}): Eleventy has not made its Nunjucks environment (no .njk template in the input folder?)`);
    return nunjucks.render(name, data);
  });
}
