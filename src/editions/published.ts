/**
 * What is published, resolved for every consumer: the archive and the email
 * files read all of it (loadPublished), send and preview one edition
 * (loadEdition); none of them reads the files itself.
 */
import path from 'node:path';
import { briefFiles, loadBriefs, type LoadOptions } from '../briefs/load.js';
import type { Brief } from '../briefs/schema.js';
import { briefId } from '../briefs/validate.js';
import type { Config, Theme } from '../config/schema.js';
import { InputError } from '../errors.js';
import { formatProblem, problem, sortProblems, type Problem } from '../problems.js';
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
  const resolved = editions.map((edition) => resolve(edition, byId, config.themes, problems));
  return { config, briefs, editions: resolved, problems: sortProblems(problems) };
}

export interface LoadedEdition {
  edition: ResolvedEdition;
  /** The edition file's problems and those of its briefs' files (errors and warnings). */
  problems: Problem[];
}

/**
 * One edition, reading only its own briefs: how `send` and `preview` load
 * what they render. A brief's id is its file name, so the files to read are
 * known from the listing; two files with one id are both read, and rejected
 * as duplicates, as they would be among all briefs. `wanted` is the
 * edition's id (its date), its number, or 'latest'.
 */
export async function loadEdition(config: Config, wanted: string): Promise<LoadedEdition> {
  const { editions, problems: editionProblems } = await loadEditions(config.editionsDir);
  const record = wanted === 'latest' ? editions.at(-1) : editions.find((e) => e.id === wanted || String(e.number) === wanted);
  // An edition file that cannot be read is not among `editions`: say so rather than "not found", and never
  // let 'latest' fall back to the edition before it.
  const known = new Set(editions.map((e) => e.file));
  const unreadable = editionProblems.filter((p) => {
    const id = path.basename(p.file).replace(/\.md$/i, '');
    return p.severity === 'error' && !known.has(p.file) && (wanted === 'latest' ? !record || id > record.id : id === wanted);
  });
  if (unreadable.length > 0) {
    throw new InputError('EDITION_INVALID', `edition ${path.basename(unreadable[0]!.file, '.md')} cannot be read; fix it first:\n${unreadable.map(formatProblem).join('\n')}`, { file: unreadable[0]!.file });
  }
  if (!record) {
    const recent = editions.map((e) => e.id).slice(-5).join(', ');
    throw new InputError('EDITION_NOT_FOUND', wanted === 'latest' || !recent ? 'there is no edition yet (run `briefing assemble`)' : `no edition "${wanted}" (recent: ${recent})`);
  }
  const ids = new Set(record.briefs);
  const listed = await briefFiles([config.briefsDir]);
  const loaded = await loadBriefs(listed.files.filter((f) => ids.has(briefId(f))), config.themes);
  const byId = new Map(loaded.briefs.filter((b) => b.status === 'ready').map((b) => [b.id, b]));
  const problems = [...listed.problems, ...loaded.problems, ...editionProblems.filter((p) => p.file === record.file)];
  const edition = resolve(record, byId, config.themes, problems);
  return { edition, problems: sortProblems(problems) };
}

/** An edition's briefs in its order; each one missing (or not valid, or not ready) is an error on the edition. */
function resolve(edition: EditionRecord, byId: ReadonlyMap<string, Brief>, themes: readonly Theme[], problems: Problem[]): ResolvedEdition {
  const items: Brief[] = [];
  for (const id of edition.briefs) {
    const brief = byId.get(id);
    if (brief) items.push(brief);
    else problems.push(problem('error', 'missing-brief', edition.file, { line: 1, col: 1 }, `brief '${id}' is missing, invalid or not ready; left out of this edition`));
  }
  return { ...edition, items, sections: sectionsOf(items, themes) };
}
