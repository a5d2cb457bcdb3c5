/**
 * `npm run dev` on a large archive: a full Eleventy rebuild of 10,000 briefs
 * takes seconds, so the page of a brief someone just saved is written first,
 * on its own, and the full rebuild (listings, feeds, search) follows and
 * writes the same page again.
 *
 * The page is rendered from the same template (pages/brief.njk, which the
 * paginated brief.11ty.mjs renders) with the same Nunjucks options, filters and
 * data as Eleventy uses, so it is byte-for-byte the page the rebuild writes
 * (tests/archive/dev-preview.test.ts checks that). Brief text stays data:
 * it reaches the template as values, never as template source.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import type { Brief } from '../briefs/schema.js';
import type { Published } from '../editions/published.js';
import { debug } from '../log.js';
import { briefPageData, type ArchiveData } from './data.js';
import { NUNJUCKS_OPTIONS } from './eleventy-config.js';
import { filters } from './filters.js';

const log = debug('archive:dev-preview');

/** The template the paginated brief.11ty.mjs renders (relative to the includes folder). */
export const BRIEF_PAGE_TEMPLATE = 'pages/brief.njk';

export class BriefPreview {
  private env: nunjucks.Environment | undefined;

  constructor(private readonly inputDir: string) {}

  private environment(): nunjucks.Environment {
    if (!this.env) {
      // Eleventy's loader: the includes folder, then the working directory; no cache, a writer may be editing templates.
      const loader = new nunjucks.FileSystemLoader([path.join(this.inputDir, '_includes'), process.cwd()], { noCache: true });
      this.env = new nunjucks.Environment(loader, { ...NUNJUCKS_OPTIONS });
      for (const [name, fn] of Object.entries(filters)) this.env.addFilter(name, fn as (...args: unknown[]) => unknown);
    }
    return this.env;
  }

  /**
   * `published` from the last build with `briefs` replacing or joining its
   * briefs; `archive` the last build's site data (navigation, themes).
   * Writes each published brief's page into `outDir`; returns the pages written.
   */
  write(published: Published, briefs: readonly Brief[], archive: ArchiveData, outDir: string): string[] {
    // What the full build will not show (a draft, or not yet public), the preview does not write either.
    const ready = briefs.filter((b) => b.status === 'ready' && published.shows(b));
    if (ready.length === 0) return [];
    const ids = new Set(ready.map((b) => b.id));
    // The order loadBriefs gives: newest first, then by id. Related briefs depend on it.
    const merged = [...published.briefs.filter((b) => !ids.has(b.id)), ...ready].sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
    const next: Published = { ...published, briefs: merged };
    const written: string[] = [];
    for (const b of ready) {
      const brief = briefPageData(next, b.id);
      if (!brief) continue;
      const html = this.environment().render(BRIEF_PAGE_TEMPLATE, { archive, brief });
      const file = path.join(outDir, brief.url, 'index.html');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, html);
      written.push(file);
      log('wrote %s ahead of the rebuild', file);
    }
    return written;
  }
}
