/**
 * What is published, resolved for every consumer: the archive and the email
 * files read all of it (loadPublished), send and preview one edition
 * (loadEdition); none of them reads the files itself.
 */
import path from 'node:path';
import { briefFiles, loadBriefs, type LoadOptions } from '../briefs/load.js';
import type { Brief } from '../briefs/schema.js';
import { briefId } from '../briefs/validate.js';
import { todayIn } from '../briefs/create.js';
import type { Config, Theme } from '../config/schema.js';
import { InputError } from '../errors.js';
import { formatProblem, problem, sortProblems, type Problem } from '../problems.js';
import type { EditionRecord } from './schema.js';
import { loadEditions } from './store.js';

export interface Section {
  theme: Theme;
  briefs: Brief[];
}

/** A correction to a brief that an earlier edition carried, for the next edition to list. */
export interface CorrectionNotice {
  briefId: string;
  title: string;
  /** The brief's themes: a variant lists only corrections to briefs its readers could have got. */
  themes: string[];
  date: string;
  text: string;
}

export interface ResolvedEdition extends EditionRecord {
  /** The edition's briefs in its own order. */
  items: Brief[];
  /** Items grouped by primary theme, in configured theme order; empty sections left out. */
  sections: Section[];
  /** Corrections made since the previous edition to briefs earlier editions carried (see correctionsFor). */
  corrections: CorrectionNotice[];
}

export interface Published {
  config: Config;
  /** Valid `ready` briefs, newest first. */
  briefs: Brief[];
  /** Oldest first. */
  editions: ResolvedEdition[];
  /** Every problem found in briefs and editions (errors and warnings). */
  problems: Problem[];
  /** Drafts included (PublishedOptions.drafts): not for the public. */
  drafts?: boolean;
  /** Whether a ready brief (one of `briefs`, or one saved since) is on the site under the publishing rule. */
  shows(brief: Brief): boolean;
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

export interface PublishedOptions extends LoadOptions {
  /** Everything valid and ready, sent or not: `build --drafts` and the local preview. */
  drafts?: boolean;
  /** YYYY-MM-DD for `site.publish: on-date`; default today in schedule.timezone. */
  today?: string;
}

export async function loadPublished(config: Config, options: PublishedOptions = {}): Promise<Published> {
  const loaded = await loadBriefs([config.briefsDir], config.themes, options);
  const { editions, problems: editionProblems } = await loadEditions(config.editionsDir);
  const ready = loaded.briefs.filter((b) => b.status === 'ready');
  const byId = new Map(ready.map((b) => [b.id, b]));
  const problems = [...loaded.problems, ...editionProblems];
  const resolved = editions.map((edition) => resolve(edition, byId, config.themes, problems, correctionsFor(edition, editions, byId)));
  if (options.drafts) return { config, briefs: ready, editions: resolved, problems: sortProblems(problems), drafts: true, shows: () => true };
  const part = publicPart(config, resolved, options.today ?? todayIn(config.schedule.timezone));
  return { config, briefs: ready.filter(part.shows), editions: part.editions, problems: sortProblems(problems), shows: part.shows };
}

/** Whether an edition is on the public site: sent, or (site.publish: on-date) its date has come. */
export function isPublic(config: Config, edition: Pick<EditionRecord, 'sent_at' | 'date'>, today: string): boolean {
  return edition.sent_at !== undefined || (config.site.publish === 'on-date' && edition.date <= today);
}

/**
 * What readers may see: public editions, and the briefs in them. With on-date, a brief in no edition is
 * public from its own date (a site without subscribers may never assemble one); with on-send it waits
 * for the edition that mails it.
 */
export function publicPart(config: Config, editions: ResolvedEdition[], today: string): { editions: ResolvedEdition[]; shows: (brief: Brief) => boolean } {
  const shown = editions.filter((e) => isPublic(config, e, today));
  const inShown = new Set(shown.flatMap((e) => e.briefs));
  const inAny = new Set(editions.flatMap((e) => e.briefs));
  const onDate = config.site.publish === 'on-date';
  return { editions: shown, shows: (b) => inShown.has(b.id) || (onDate && !inAny.has(b.id) && b.date <= today) };
}

export interface LoadedEdition {
  edition: ResolvedEdition;
  /** The edition file's problems and those of its briefs' files (errors and warnings). */
  problems: Problem[];
}

/**
 * One edition, reading only its own briefs and those of earlier editions
 * (for the corrections it lists): how `send` and `preview` load what they
 * render. `wanted` is the edition's id (its date), its number, or 'latest'.
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
  const earlier = editions.filter((e) => e.date < record.date);
  const { briefs, problems: briefProblems, listing } = await loadBriefsOf(config, new Set([...record.briefs, ...earlier.flatMap((e) => e.briefs)]));
  const byId = new Map(briefs.map((b) => [b.id, b]));
  // The folder's problems, and those of the files whose id the edition lists; an earlier edition's are not its concern.
  const problems = [...listing, ...briefProblems.filter((p) => record.briefs.includes(briefId(p.file))), ...editionProblems.filter((p) => p.file === record.file)];
  const edition = resolve(record, byId, config.themes, problems, correctionsFor(record, editions, byId));
  return { edition, problems: sortProblems(problems) };
}

/**
 * The ready briefs with these ids, reading only their files. A brief's id is its file name, so the files
 * are known from the listing; two files with one id are both read, and rejected as duplicates, as they
 * would be among all briefs.
 */
export async function loadBriefsOf(config: Config, ids: ReadonlySet<string>): Promise<{ briefs: Brief[]; problems: Problem[]; listing: Problem[] }> {
  const listed = await briefFiles([config.briefsDir]);
  const loaded = await loadBriefs(listed.files.filter((f) => ids.has(briefId(f))), config.themes);
  return { briefs: loaded.briefs.filter((b) => b.status === 'ready'), problems: loaded.problems, listing: listed.problems };
}

/**
 * What an edition lists as corrections: those dated from the previous edition's date up to the day before
 * its own, to briefs that earlier editions carried. Each correction is so listed by exactly one edition,
 * the first dated after it.
 */
export function correctionsFor(edition: EditionRecord, editions: readonly EditionRecord[], byId: ReadonlyMap<string, Brief>): CorrectionNotice[] {
  const earlier = editions.filter((e) => e.date < edition.date);
  const since = earlier.at(-1)?.date;
  if (since === undefined) return [];
  const out: CorrectionNotice[] = [];
  for (const id of new Set(earlier.flatMap((e) => e.briefs))) {
    const brief = byId.get(id);
    for (const c of brief?.corrections ?? []) {
      if (c.date >= since && c.date < edition.date) out.push({ briefId: id, title: brief!.title, themes: brief!.themes, date: c.date, text: c.text });
    }
  }
  return out.sort((a, b) => a.date.localeCompare(b.date) || a.briefId.localeCompare(b.briefId));
}

/** An edition's briefs in its order; each one missing (or not valid, or not ready) is an error on the edition. */
function resolve(edition: EditionRecord, byId: ReadonlyMap<string, Brief>, themes: readonly Theme[], problems: Problem[], corrections: CorrectionNotice[]): ResolvedEdition {
  const items: Brief[] = [];
  for (const id of edition.briefs) {
    const brief = byId.get(id);
    if (brief) items.push(brief);
    else problems.push(problem('error', 'missing-brief', edition.file, { line: 1, col: 1 }, `brief '${id}' is missing, invalid or not ready; left out of this edition`));
  }
  return { ...edition, items, sections: sectionsOf(items, themes), corrections };
}
