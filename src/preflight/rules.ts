/**
 * The pre-send rules of an edition, beside the per-brief checks of
 * validate.ts (template text, placeholders, an empty why_it_matters). Each is
 * a small pure function over facts gathered by preflight.ts, returning
 * problems as data in the same `path:line:col: message` form as `check`.
 * Errors stop `send` (unless --force); warnings are printed.
 */
import { formatSize } from '../units.js';
import type { Position } from '../errors.js';
import { problem, type Problem } from '../problems.js';
import type { LinkOutcome } from './links.js';

/** Inboxes show about this much of a subject on a desktop; phones show less. */
export const SUBJECT_WARN_LENGTH = 70;

/** A brief of the edition, as the rules see it. */
export interface BriefFacts {
  id: string;
  file: string;
  url: string | undefined;
  /** Where `source.url` stands in the file (line 1 when it has none). */
  urlAt: Position;
}

/** A source URL an earlier edition already carried. */
export interface EarlierSource {
  url: string;
  briefId: string;
  edition: { number: number; date: string };
}

/** A rendered variant of the email (a set of followed themes), or why it could not be rendered. */
export type VariantFacts =
  | { themes: string[]; subject: string; bytes: number; shownItems: number; totalItems: number }
  | { themes: string[]; error: { code: string; message: string; file?: string | undefined; position?: Position | undefined } };

/** The same article twice: fragments, tracking parameters, a trailing slash and the host's case do not count. */
export function sameSource(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    for (const key of [...u.searchParams.keys()]) if (/^(utm_|fbclid$|gclid$|mc_)/i.test(key)) u.searchParams.delete(key);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}${u.search}`;
  } catch {
    return url;
  }
}

/**
 * A source URL an earlier edition already carried: readers would get one story twice. (Two briefs sharing
 * one are a warning of `check` itself, see briefs/load.ts.)
 */
export function reusedSources(briefs: readonly BriefFacts[], earlier: readonly EarlierSource[]): Problem[] {
  const before = new Map(earlier.map((e) => [sameSource(e.url), e]));
  return briefs.flatMap((b) => {
    const old = b.url ? before.get(sameSource(b.url)) : undefined;
    return old ? [problem('error', 'reused-source', b.file, b.urlAt, `source.url was already used by '${old.briefId}' in edition #${old.edition.number} (${old.edition.date})`)] : [];
  });
}

/** A 404 or 410, or a redirect loop, is a dead link; anything else that is not a clear answer is a warning. */
export function deadLinks(briefs: readonly BriefFacts[], outcomes: ReadonlyMap<string, LinkOutcome>): Problem[] {
  const out: Problem[] = [];
  for (const b of briefs) {
    const outcome = b.url ? outcomes.get(b.url) : undefined;
    if (!outcome || outcome.kind === 'ok') continue;
    const at = (severity: 'error' | 'warning', message: string) => out.push(problem(severity, 'dead-link', b.file, b.urlAt, message));
    switch (outcome.kind) {
      case 'status':
        if (outcome.status === 404 || outcome.status === 410) at('error', `source.url is dead: the site answers ${outcome.status} ${outcome.status === 404 ? 'Not Found' : 'Gone'}`);
        else if (outcome.status >= 500) at('warning', `source.url answers ${outcome.status} (a server error); check it again before sending`);
        else at('warning', `source.url answers ${outcome.status}; could not check that it works (sites often refuse robots this way)`);
        break;
      case 'redirect-loop':
        at('error', `source.url redirects in a loop (${outcome.hops} hops); readers would never reach the article`);
        break;
      case 'timeout':
        at('warning', `could not check source.url: no answer within ${Math.round(outcome.ms / 1000)} s`);
        break;
      case 'unreachable':
        at('warning', `could not check source.url (${outcome.reason}: no network, or the site is down)`);
        break;
    }
  }
  return out;
}

/** A subject past what inboxes show, once per distinct subject. */
export function subjectLength(variants: readonly VariantFacts[], editionFile: string, subjectAt: Position): Problem[] {
  const subjects = new Set(variants.flatMap((v) => ('subject' in v ? [v.subject] : [])));
  return [...subjects]
    .filter((s) => [...s].length > SUBJECT_WARN_LENGTH)
    .map((s) => problem('warning', 'subject-length', editionFile, subjectAt, `the subject is ${[...s].length} characters; inboxes show about the first ${SUBJECT_WARN_LENGTH}, phones fewer: "${s}" (set subject: in the edition to shorten it)`));
}

/**
 * Each variant's render: MJML that does not validate, or an email past email.max_html_bytes even with every
 * item on the web, is an error; items moved to the web to fit are a warning.
 */
export function variantProblems(variants: readonly VariantFacts[], editionFile: string, maxHtmlBytes: number): Problem[] {
  const out: Problem[] = [];
  for (const v of variants) {
    const which = v.themes.join(', ');
    if ('error' in v) {
      const where = v.error.code === 'TEMPLATE_ERROR' && v.error.file ? v.error.file : editionFile;
      const code = v.error.code === 'EMAIL_TOO_LARGE' ? 'email-size' : v.error.code === 'TEMPLATE_ERROR' ? 'mjml' : 'render';
      out.push(problem('error', code, where, v.error.position ?? { line: 1, col: 1 }, `the email for ${which} cannot be rendered: ${v.error.message}`));
    } else if (v.shownItems < v.totalItems) {
      out.push(problem('warning', 'email-size', editionFile, { line: 1, col: 1 }, `the email for ${which} shows ${v.shownItems} of ${v.totalItems} briefs (${formatSize(v.bytes)} of ${formatSize(maxHtmlBytes)}); the rest are linked on the web`));
    }
  }
  return out;
}
