/**
 * `briefing preflight EDITION`: every check an edition must pass before it
 * is mailed. It gathers the facts (the edition and its briefs as `send` loads
 * them, the source URLs of earlier editions, each source link's answer, each
 * variant's render) and hands them to the pure rules of rules.ts. Run by the
 * command, before every `send` and at each tick.
 */
import type { Config } from '../config/schema.js';
import { loadBriefsOf, loadEdition, type ResolvedEdition } from '../editions/published.js';
import { loadEditions } from '../editions/store.js';
import { BriefingError, InputError, type Position } from '../errors.js';
import type { Logger } from '../log.js';
import { formatProblem, sortProblems, type Problem } from '../problems.js';
import { variantThemes } from '../render/email-data.js';
import { renderEmailVariant } from '../render/email.js';
import { followed } from '../delivery/messages.js';
import type { Db } from '../store/db.js';
import { readFrontmatterFile } from '../yaml/frontmatter.js';
import { checkLinks } from './links.js';
import { deadLinks, reusedSources, subjectLength, variantProblems, type BriefFacts, type EarlierSource, type VariantFacts } from './rules.js';

export interface PreflightOptions {
  /** The subscriber list: its theme choices decide which variants are rendered (all themes always is). */
  db?: Db;
}

export interface PreflightResult {
  edition: ResolvedEdition;
  /** Errors and warnings, files first, then position. */
  problems: Problem[];
  /** Variants rendered. */
  variants: number;
  /** Source links fetched (0 with preflight.check_links off). */
  linksChecked: number;
}

export async function preflight(config: Config, wanted: string, options: PreflightOptions = {}): Promise<PreflightResult> {
  const { edition, problems } = await loadEdition(config, wanted);
  const facts = edition.items.map(briefFacts);
  const earlier = await earlierSources(config, edition);
  const links = config.preflight.check_links
    ? await checkLinks(facts.flatMap((f) => (f.url ? [f.url] : [])), {
        timeoutMs: config.preflight.link_timeout_ms,
        concurrency: config.preflight.link_concurrency,
        userAgent: `Briefing link check (+${config.site.base_url})`,
      })
    : new Map();
  const variants = edition.items.length > 0 ? await renderVariants(config, edition, options.db) : [];
  const all = [
    ...problems,
    ...reusedSources(facts, earlier),
    ...deadLinks(facts, links),
    ...subjectLength(variants, edition.file, positionIn(edition.file, ['subject'])),
    ...variantProblems(variants, edition.file, config.email.max_html_bytes),
  ];
  return { edition, problems: sortProblems(all), variants: variants.length, linksChecked: links.size };
}

/** Where a key stands in a frontmatter file; line 1 when the file or the key cannot be read. */
function positionIn(file: string, key: ReadonlyArray<PropertyKey>): Position {
  const read = readFrontmatterFile(file);
  if (!read.ok) return { line: 1, col: 1 };
  const data = read.doc.yaml.data as Record<string, unknown> | undefined;
  return data && key[0] !== undefined && String(key[0]) in data ? read.doc.yaml.positionOf(key) : { line: 1, col: 1 };
}

const briefFacts = (b: ResolvedEdition['items'][number]): BriefFacts => ({ id: b.id, file: b.file, url: b.source.url, urlAt: b.source.url ? positionIn(b.file, ['source', 'url']) : { line: 1, col: 1 } });

/** The source URLs of every edition dated before this one, read from their own briefs only. */
async function earlierSources(config: Config, edition: ResolvedEdition): Promise<EarlierSource[]> {
  const earlier = (await loadEditions(config.editionsDir)).editions.filter((e) => e.date < edition.date);
  const editionOf = new Map(earlier.flatMap((e) => e.briefs.map((id) => [id, e] as const)));
  if (editionOf.size === 0) return [];
  const { briefs } = await loadBriefsOf(config, new Set(editionOf.keys()));
  return briefs.flatMap((b) => (b.source.url ? [{ url: b.source.url, briefId: b.id, edition: editionOf.get(b.id)! }] : []));
}

/**
 * The variants this edition will be sent as: every theme set on the list that it has a section for, and the
 * all-themes one (the web copy, and every subscriber who chose no theme).
 */
async function renderVariants(config: Config, edition: ResolvedEdition, db: Db | undefined): Promise<VariantFacts[]> {
  const keys = new Map<string, string[]>();
  const add = (themes: readonly string[]) => {
    const chosen = variantThemes(config, edition, themes).map((t) => t.slug);
    if (chosen.length > 0) keys.set(chosen.join(','), chosen);
  };
  add(config.themes.map((t) => t.slug));
  const columns = db ? (db.prepare(`SELECT DISTINCT themes FROM subscribers WHERE status = 'confirmed'`).all() as { themes: string }[]) : [];
  for (const { themes } of columns) add(followed(config, themes));
  const out: VariantFacts[] = [];
  for (const themes of keys.values()) {
    try {
      let stats = { bytes: 0, shownItems: 0, totalItems: 0 };
      const variant = await renderEmailVariant(config, edition, themes, (s) => (stats = s));
      out.push({ themes, subject: variant.subject, bytes: stats.bytes, shownItems: stats.shownItems, totalItems: stats.totalItems });
    } catch (error) {
      if (!(error instanceof BriefingError)) throw error;
      out.push({ themes, error: { code: error.code, message: error.message, file: error.file, position: error.position } });
    }
  }
  return out;
}

export interface GateOptions extends PreflightOptions {
  /** Send despite errors (`send --force`): each one is printed as what is overridden. */
  force?: boolean;
  /** Whether messages of the edition already went out: then errors are printed, never stopping the rest. */
  underWay?: (editionId: string) => boolean;
  log: Logger;
}

/**
 * The checks before a send: warnings are printed, errors stop it with every one of them listed, unless
 * forced. Returns the result, so the caller can say what it checked.
 */
export async function preflightGate(config: Config, wanted: string, options: GateOptions): Promise<PreflightResult> {
  const result = await preflight(config, wanted, options);
  const errors = result.problems.filter((p) => p.severity === 'error');
  for (const p of result.problems) if (p.severity === 'warning') options.log.warn(formatProblem(p));
  if (errors.length === 0) return result;
  const listed = errors.map(formatProblem).join('\n');
  if (options.underWay?.(result.edition.id)) {
    options.log.warn(`edition ${result.edition.id} is partly sent already, so it is finished despite ${errors.length} preflight error${errors.length === 1 ? '' : 's'}:\n${listed}`);
    return result;
  }
  if (options.force) {
    options.log.warn(`--force: sending edition ${result.edition.id} despite ${errors.length} preflight error${errors.length === 1 ? '' : 's'}:\n${listed}`);
    return result;
  }
  throw new InputError(
    'PREFLIGHT_FAILED',
    `edition ${result.edition.id} did not pass its pre-send checks (${errors.length} error${errors.length === 1 ? '' : 's'}); nothing was sent:\n${listed}\n` +
      `Fix them (briefing preflight ${result.edition.id} checks again), or send anyway with --force.`,
    { file: result.edition.file },
  );
}
