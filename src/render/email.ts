/**
 * One email variant: the edition's sections for a set of followed themes,
 * rendered Nunjucks → MJML → HTML, plus the plain-text part from the same
 * model. MJML runs at strict validation with includes off; a validation error
 * fails the render and names the template line. The size guard keeps the HTML
 * under email.max_html_bytes by moving each theme's overflow to the web.
 */
import mjml2html from 'mjml';
import { Parser } from 'htmlparser2';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { ResolvedEdition } from '../editions/published.js';
import { BriefingError, InputError } from '../errors.js';
import { debug } from '../log.js';
import { emailModel, variantThemes, type EmailModel } from './email-data.js';
import { emailText } from './email-text.js';
import { TRACE_MARKER, createEnv, templatePaths, templatesVersion } from './nunjucks.js';
import { newPlaceholders, type EmailVariant } from './variant.js';

export { subjectFor } from './email-data.js';

const log = debug('email');

export const EMAIL_TEMPLATE = 'edition.mjml.njk';

/** Project templates first (templates/email), then the built-in ones. */
export function emailTemplatePaths(config: Config): string[] {
  return templatePaths(config.templatesDir, 'email');
}

/** One environment per folder set and mode, made anew when a template file changes on disk. */
const envs = new Map<string, { version: string; env: ReturnType<typeof createEnv> }>();
function envFor(config: Config, trace = false) {
  const paths = emailTemplatePaths(config);
  const key = `${trace}:${paths.join('\0')}`;
  const version = templatesVersion(paths);
  let entry = envs.get(key);
  if (entry?.version !== version) envs.set(key, (entry = { version, env: createEnv(paths, { trace }) }));
  return entry.env;
}

function renderTemplate(config: Config, model: EmailModel, trace = false): string {
  try {
    return envFor(config, trace).render(EMAIL_TEMPLATE, model);
  } catch (cause) {
    throw new BriefingError('TEMPLATE_ERROR', `email template failed: ${(cause as Error).message}`, {
      file: path.join(emailTemplatePaths(config)[0]!, EMAIL_TEMPLATE),
      cause,
    });
  }
}

interface MjmlIssue {
  line: number;
  message: string;
  tagName?: string;
}

/** Where in the templates an MJML output line came from: re-render with line markers and read them. */
function templateLineOf(config: Config, model: EmailModel, line: number): { file: string; line: number } | undefined {
  const traced = renderTemplate(config, model, true).split('\n');
  for (let i = Math.min(line, traced.length) - 1; i >= 0; i--) {
    const markers = [...traced[i]!.matchAll(TRACE_MARKER)];
    const last = markers.at(-1);
    // Markers sit at the start of lines, so an unmarked line is the marker's line plus the distance.
    if (last) return { file: last[1]!, line: Number(last[2]) + (line - 1 - i) };
  }
  return undefined;
}

/** Nunjucks model → MJML → HTML. Throws a located TEMPLATE_ERROR on any MJML validation error. */
async function renderHtml(config: Config, model: EmailModel): Promise<string> {
  const mjml = renderTemplate(config, model);
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(mjml, {
      validationLevel: 'strict',
      ignoreIncludes: true,
      keepComments: false,
      // minify needs cssnano 8 (Node 22); size comes from a lean template instead.
      minify: false,
      beautify: false,
      fonts: {},
    });
  } catch (cause) {
    const issues = ((cause as { errors?: MjmlIssue[] }).errors ?? []) as MjmlIssue[];
    const first = issues[0];
    if (!first) throw new BriefingError('TEMPLATE_ERROR', `MJML failed: ${(cause as Error).message}`, { cause });
    const at = templateLineOf(config, model, first.line);
    const all = issues.map((e) => `${e.tagName ? `<${e.tagName}> ` : ''}${e.message}`).join('; ');
    throw new BriefingError('TEMPLATE_ERROR', `MJML validation failed (output line ${first.line}): ${all}`, {
      ...(at ? { file: at.file, position: { line: at.line, col: 1 } } : {}),
      cause,
    });
  }
  assertInert(result.html);
  return result.html;
}

/** Attributes whose value is a URL that a client may follow or load. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'background', 'xlink:href', 'poster']);
const ACTIVE_URL = /^\s*(?:javascript|vbscript|data):/i;

/**
 * Defence in depth: brief text is escaped upstream; an email that still holds active content (a script, an
 * event handler, a script URL) is never sent. The HTML is parsed (htmlparser2), so escaped text and attribute
 * values that merely mention "onerror=" or "javascript:" (a subject quoting a brief's title does) pass.
 */
function assertInert(html: string): void {
  let found: string | undefined;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (found) return;
        if (name === 'script') found = '<script>';
        for (const [attribute, value] of Object.entries(attributes)) {
          if (/^on/i.test(attribute)) found ??= `<${name} ${attribute}=…>`;
          else if (URL_ATTRIBUTES.has(attribute.toLowerCase()) && ACTIVE_URL.test(value)) found ??= `<${name} ${attribute}="${value.slice(0, 40)}">`;
        }
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  if (found) throw new BriefingError('TEMPLATE_ERROR', `rendered email contains active content: ${found}`);
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Bytes kept free for personal links (tokens are shorter than real URLs). */
const PERSONAL_SLACK = 1024;

/** The largest per-section cap whose shown-item count fits the estimate. */
function capFor(sizes: number[], budgetItems: number): number {
  let cap = 0;
  const max = Math.max(0, ...sizes);
  while (cap < max && sizes.reduce((n, s) => n + Math.min(s, cap + 1), 0) <= budgetItems) cap += 1;
  return cap;
}

export interface RenderStats {
  /** MJML renders this variant took (1 unless the size guard had to trim). */
  mjmlRenders: number;
  bytes: number;
  shownItems: number;
  totalItems: number;
}

/**
 * Renders the variant for a subscriber following `themes`: only the sections
 * of those themes that the edition has. Throws VARIANT_EMPTY with no overlap.
 */
export async function renderEmailVariant(
  config: Config,
  edition: ResolvedEdition,
  themes: readonly string[],
  stats?: (s: RenderStats) => void,
  /** The archive's public copy: no personal links in its footer (see EmailModel.subscribeUrl). */
  options: { webCopy?: boolean } = {},
): Promise<EmailVariant> {
  const webCopy = Boolean(options.webCopy);
  const chosen = variantThemes(config, edition, themes);
  if (chosen.length === 0) {
    throw new InputError('VARIANT_EMPTY', `edition ${edition.id} has no section for ${themes.length ? themes.join(', ') : 'an empty theme list'}`, { file: edition.file });
  }
  // Leave room for the personal links that replace the placeholders per recipient.
  const limit = config.email.max_html_bytes - PERSONAL_SLACK;
  // One set of tokens for every trial render of this variant.
  const placeholders = newPlaceholders();
  const full = emailModel(config, edition, chosen, placeholders, Infinity, webCopy);
  let html = await renderHtml(config, full);
  let model = full;
  let renders = 1;

  if (bytes(html) >= limit) {
    // Estimate bytes per item from a render with every item moved to the web, then trim to fit and verify.
    const sizes = full.sections.map((s) => s.total);
    model = emailModel(config, edition, chosen, placeholders, 0, webCopy);
    const bare = await renderHtml(config, model);
    renders += 1;
    const base = bytes(bare);
    if (base >= limit) {
      throw new BriefingError('EMAIL_TOO_LARGE', `edition ${edition.id}: even with every item on the web the email is ${base} bytes (limit ${limit})`, { file: edition.file });
    }
    let perItem = (bytes(html) - base) / Math.max(1, full.shownItems);
    html = bare;
    let cap = capFor(sizes, Math.floor((limit - base) / perItem));
    while (cap > 0) {
      const trial = emailModel(config, edition, chosen, placeholders, cap, webCopy);
      const out = await renderHtml(config, trial);
      renders += 1;
      if (bytes(out) < limit) {
        html = out;
        model = trial;
        break;
      }
      // Re-estimate from this render (items here may be longer than average), always shrinking.
      perItem = (bytes(out) - base) / Math.max(1, trial.shownItems);
      cap = Math.min(cap - 1, capFor(sizes, Math.floor((limit - base) / perItem)));
    }
    log('%s [%s]: %d of %d items fit in %d bytes after %d renders', edition.id, chosen.map((t) => t.slug).join(','), model.shownItems, model.totalItems, bytes(html), renders);
  }
  stats?.({ mjmlRenders: renders, bytes: bytes(html), shownItems: model.shownItems, totalItems: model.totalItems });
  return {
    editionId: edition.id,
    themes: chosen.map((t) => t.slug),
    subject: full.subject,
    html,
    // The text part has no clipping problem: it always holds every item.
    text: emailText(full),
    placeholders,
  };
}
