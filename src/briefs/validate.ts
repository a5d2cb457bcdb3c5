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
  problems.push(...warnings(brief, raw));
  return { brief, problems };
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
