/**
 * Checks of one brief, as small pure functions that return problems as data.
 * Whether a problem blocks publishing is its severity; the caller decides
 * what to do with the list.
 */
import path from 'node:path';
import type { Theme } from '../config/schema.js';
import { problem, type Problem } from '../problems.js';
import { suggest, zodProblems } from '../yaml/zod-problems.js';
import type { FrontmatterFile } from '../yaml/frontmatter.js';
import { TEMPLATE_TEXT } from './template.js';
import { FRONTMATTER_KEYS, PREHEADER_MAX, SOURCE_KEYS, frontmatterSchema, type Brief } from './schema.js';

export type ValidateResult = { brief: Brief | undefined; problems: Problem[] };

export function briefId(file: string): string {
  return path.basename(file).replace(/\.md$/i, '');
}

export function validateBrief(raw: FrontmatterFile, themes: readonly Theme[]): ValidateResult {
  const { file, yaml } = raw;
  const problems: Problem[] = yaml.problems.map((p) => problem('error', 'yaml', file, p.position, p.message));
  if (problems.length > 0) return { brief: undefined, problems };

  const result = frontmatterSchema.safeParse(yaml.data ?? undefined);
  if (!result.success) {
    for (const p of zodProblems(result.error, yaml.positionOf, { '': FRONTMATTER_KEYS, source: SOURCE_KEYS })) {
      problems.push(problem('error', 'schema', file, p.position, p.message));
    }
  }
  // Themes are checked even when other fields failed, so a writer sees everything at once.
  problems.push(...checkThemes(raw, themes));

  const id = briefId(file);
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) {
    problems.push(
      problem('error', 'bad-id', file, { line: 1, col: 1 }, `file name "${id}" must be a lowercase slug such as "deepseek-r1-release.md"`),
    );
  }

  if (!result.success || problems.some((p) => p.severity === 'error')) return { brief: undefined, problems };

  const brief: Brief = { ...result.data, id, file, body: raw.body, bodyLine: raw.bodyLine };
  problems.push(...warnings(brief, raw), ...checkCorrections(brief, raw));
  // A ready brief goes to readers as it is: what was left to write keeps it out, named where it stands.
  const unfinished = brief.status === 'ready' ? leftovers(brief, raw) : [];
  problems.push(...unfinished);
  return { brief: unfinished.some((p) => p.severity === 'error') ? undefined : brief, problems };
}

function checkThemes(raw: FrontmatterFile, themes: readonly Theme[]): Problem[] {
  const data = raw.yaml.data as { themes?: unknown } | undefined;
  const given = typeof data?.themes === 'string' ? [data.themes] : Array.isArray(data?.themes) ? data.themes : [];
  const slugs = themes.map((t) => t.slug);
  const out: Problem[] = [];
  given.forEach((theme, i) => {
    if (typeof theme !== 'string' || slugs.includes(theme)) return;
    const hint = suggest(theme, slugs);
    const position = raw.yaml.positionOf(typeof data?.themes === 'string' ? ['themes'] : ['themes', i]);
    const message = `unknown theme '${theme}'; ${hint ? `did you mean '${hint}'?` : `the themes are ${slugs.join(', ')}`}`;
    out.push(problem('error', 'unknown-theme', raw.file, position, message));
  });
  const dupes = given.filter((t, i) => given.indexOf(t) !== i);
  for (const d of new Set(dupes)) {
    out.push(problem('warning', 'duplicate-theme', raw.file, raw.yaml.positionOf(['themes']), `theme '${String(d)}' is listed twice`));
  }
  return out;
}

function warnings(brief: Brief, raw: FrontmatterFile): Problem[] {
  const out: Problem[] = [];
  const at = (p: PropertyKey[]) => raw.yaml.positionOf(p);
  if (!brief.source.url) {
    out.push(problem('warning', 'no-source-url', brief.file, at(['source']), 'source has no url; readers cannot follow it to the original'));
  }
  if (brief.summary.length > PREHEADER_MAX) {
    out.push(
      problem(
        'warning',
        'long-summary',
        brief.file,
        at(['summary']),
        `summary is ${brief.summary.length} characters; inbox previews show about ${PREHEADER_MAX}`,
      ),
    );
  }
  if (brief.body.trim() === '') {
    out.push(problem('warning', 'no-key-points', brief.file, { line: brief.bodyLine, col: 1 }, 'no key points: the body below the frontmatter is empty'));
  }
  return out;
}

/** A correction comes after the brief: one dated before it is a typo in the date. */
function checkCorrections(brief: Brief, raw: FrontmatterFile): Problem[] {
  return brief.corrections.flatMap((c, i) =>
    c.date < brief.date ? [problem('error', 'correction-date', brief.file, raw.yaml.positionOf(['corrections', i, 'date']), `correction dated ${c.date}, before the brief itself (${brief.date})`)] : [],
  );
}

/** Placeholders writers leave for what is still to come. */
const PLACEHOLDER = /\b(TK|TODO|XXX)\b/;

/** In a ready brief: `new`'s template text, or a TK / TODO / XXX placeholder, is an error; an empty why_it_matters a warning. */
function leftovers(brief: Brief, raw: FrontmatterFile): Problem[] {
  const out: Problem[] = [];
  const at = (p: PropertyKey[]) => raw.yaml.positionOf(p);
  const fields: [PropertyKey[], string | undefined, string][] = [
    [['title'], brief.title, ''],
    [['source', 'name'], brief.source.name, TEMPLATE_TEXT.sourceName],
    [['summary'], brief.summary, TEMPLATE_TEXT.summary],
    [['why_it_matters'], brief.why_it_matters, TEMPLATE_TEXT.whyItMatters],
  ];
  for (const [key, value, template] of fields) {
    if (value === undefined) continue;
    const name = key.join('.');
    if (template && value.trim() === template) out.push(problem('error', 'template-text', brief.file, at(key), `${name} is still the template text ("${template}"); write it, or set status: draft`));
    else if (PLACEHOLDER.test(value)) out.push(problem('error', 'placeholder', brief.file, at(key), `${name} holds the placeholder ${PLACEHOLDER.exec(value)![1]}; finish it, or set status: draft`));
  }
  brief.body.split('\n').forEach((line, i) => {
    const position = { line: brief.bodyLine + i, col: 1 };
    const point = line.replace(/^\s*[-*]\s+/, '').trim();
    if ((TEMPLATE_TEXT.keyPoints as readonly string[]).includes(point)) out.push(problem('error', 'template-text', brief.file, position, `key point "${point}" is still the template text; write it, or set status: draft`));
    else if (PLACEHOLDER.test(line)) out.push(problem('error', 'placeholder', brief.file, position, `the key points hold the placeholder ${PLACEHOLDER.exec(line)![1]}; finish them, or set status: draft`));
  });
  if (!brief.why_it_matters?.trim()) out.push(problem('warning', 'no-why', brief.file, brief.why_it_matters === undefined ? { line: 1, col: 1 } : at(['why_it_matters']), 'why_it_matters is empty: the email and the archive show no "Why it matters" for it'));
  return out;
}
