/**
 * What is published, resolved once for every consumer: the archive, the
 * email files and delivery all read this, never the files themselves.
 */
import { loadBriefs, type LoadOptions } from '../briefs/load.js';
import type { Brief } from '../briefs/schema.js';
import type { Config, Theme } from '../config/schema.js';
import { problem, sortProblems, type Problem } from '../problems.js';
import type { EditionRecord } from './schema.js';
import { loadEditions } from './store.js';

export interface Section {
  theme: Theme;
  briefs: Brief[];
}

export interface ResolvedEdition extends EditionRecord {
  /** The edition's briefs in its own order. */
  items: Brief[];
  /** Items grouped by primary theme, in configured theme order; empty sections left out. */
  sections: Section[];
}

export interface Published {
  config: Config;
  /** Valid `ready` briefs, newest first. */
  briefs: Brief[];
  /** Oldest first. */
  editions: ResolvedEdition[];
  /** Every problem found in briefs and editions (errors and warnings). */
  problems: Problem[];
}

/**
 * Groups briefs into sections in the configured theme order, each brief once,
 * under the first of its themes that is `followed`. With every theme followed
 * that is its primary theme; a reader who follows only a brief's second theme
 * still gets the brief, in that theme's section.
 */
export function sectionsOf(briefs: readonly Brief[], themes: readonly Theme[], followed?: ReadonlySet<string>): Section[] {
  const home = (b: Brief) => (followed ? b.themes.find((t) => followed.has(t)) : b.themes[0]);
  return themes
    .map((theme) => ({ theme, briefs: briefs.filter((b) => home(b) === theme.slug) }))
    .filter((s) => s.briefs.length > 0);
}

export async function loadPublished(config: Config, options: LoadOptions = {}): Promise<Published> {
  const loaded = await loadBriefs([config.briefsDir], config.themes, options);
  const { editions, problems: editionProblems } = await loadEditions(config.editionsDir);
  const briefs = loaded.briefs.filter((b) => b.status === 'ready');
  const byId = new Map(briefs.map((b) => [b.id, b]));
  const problems = [...loaded.problems, ...editionProblems];

  const resolved = editions.map((edition): ResolvedEdition => {
    const items: Brief[] = [];
    for (const id of edition.briefs) {
      const brief = byId.get(id);
      if (brief) items.push(brief);
      else problems.push(problem('error', 'missing-brief', edition.file, { line: 1, col: 1 }, `brief '${id}' is missing, invalid or not ready; left out of this edition`));
    }
    return { ...edition, items, sections: sectionsOf(items, config.themes) };
  });
  return { config, briefs, editions: resolved, problems: sortProblems(problems) };
}
