/**
 * The one way into briefs: every consumer (check, archive, editions, email,
 * schedule) gets the valid briefs plus every problem found. One bad brief
 * never hides the others, and nothing here throws for bad input.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, DiskMemo, filesUnder, fingerprint } from '../cache.js';
import type { Config, Theme } from '../config/schema.js';
import { debug } from '../log.js';
import { displayPath, SOURCE_DIR } from '../paths.js';
import { problem, sortProblems, type Problem } from '../problems.js';
import { parseFrontmatterFile, readFileBytes } from '../yaml/frontmatter.js';
import type { Brief } from './schema.js';
import { validateBrief, type ValidateResult } from './validate.js';

const log = debug('briefs');

export interface LoadResult {
  /** Valid briefs, drafts included, newest first. */
  briefs: Brief[];
  /** Errors (the brief was left out) and warnings, sorted by file and line. */
  problems: Problem[];
  /** How many files were looked at. */
  files: number;
}

export interface LoadOptions {
  /**
   * Each file's parsing and checks from earlier runs, by path and contents
   * (see openBriefMemo); the caller saves it. Only cross-file checks
   * (duplicate ids and sources) run again for a file seen before.
   */
  memo?: DiskMemo<ValidateResult>;
}

export async function loadBriefs(paths: readonly string[], themes: readonly Theme[], options: LoadOptions = {}): Promise<LoadResult> {
  const { files, problems } = await briefFiles(paths);
  const results = files.map((file) => loadOne(file, themes, options.memo));

  const candidates: Brief[] = [];
  for (const r of results) {
    problems.push(...r.problems);
    if (r.brief) candidates.push(r.brief);
  }
  const briefs = crossCheck(candidates, problems);
  briefs.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
  log('loaded %d of %d files, %d problems', briefs.length, files.length, problems.length);
  return { briefs, problems: sortProblems(problems), files: files.length };
}

function loadOne(file: string, themes: readonly Theme[], memo: DiskMemo<ValidateResult> | undefined): ValidateResult {
  const shown = displayPath(file);
  try {
    const read = readFileBytes(shown);
    if (!read.ok) return { brief: undefined, problems: read.problems };
    const key = memo && DiskMemo.key(shown, read.bytes);
    const known = key && memo.get(key);
    if (known) return known;
    const parsed = parseFrontmatterFile(shown, read.bytes);
    const result = parsed.ok ? validateBrief(parsed.doc, themes) : { brief: undefined, problems: parsed.problems };
    if (key) memo.set(key, result);
    return result;
  } catch (cause) {
    // Unreadable file, permissions and the like: report it, keep going.
    const message = cause instanceof Error ? cause.message : String(cause);
    return { brief: undefined, problems: [problem('error', 'unreadable', shown, { line: 1, col: 1 }, `could not read: ${message}`)] };
  }
}

const HERE = path.join(SOURCE_DIR, 'briefs');
/** Code that shapes a file's load result, besides src/briefs itself. */
const LOAD_DEPS = ['../yaml', '../problems.ts', '../errors.ts'];

/**
 * The memo `build` loads briefs with: a weekly build re-reads every brief
 * but parses and checks only the new and edited ones. Stamped with the
 * loader's code, its packages and the themes (checks depend on them), and
 * the working folder (messages name files relative to it).
 */
export function openBriefMemo(config: Config): DiskMemo<ValidateResult> {
  const stamp = fingerprint({
    files: [HERE, ...LOAD_DEPS.map((p) => path.resolve(HERE, p))].flatMap((p) => (p.endsWith('.ts') ? [p] : filesUnder(p))),
    packages: ['gray-matter', 'yaml', 'js-yaml', 'zod', 'fastest-levenshtein'],
    settings: { themes: config.themes, cwd: process.cwd() },
  });
  return DiskMemo.open(path.join(cacheDir(config, 'memo'), 'briefs.bin'), stamp);
}

/**
 * Every brief in the project, through the brief memo, saved before this
 * returns: how `assemble` and the schedule read briefs, so a weekly run
 * parses only what changed since the last one. (`check` always parses
 * everything; `build` saves its memo itself, before Eleventy; `send` does
 * without, for its memory.)
 */
export async function loadProjectBriefs(config: Config): Promise<LoadResult> {
  const memo = openBriefMemo(config);
  try {
    return await loadBriefs([config.briefsDir], config.themes, { memo });
  } finally {
    await memo.save();
  }
}

/** Ids must be unique across folders; two briefs citing one article are worth a look. */
function crossCheck(briefs: Brief[], problems: Problem[]): Brief[] {
  const byId = groupBy(briefs, (b) => b.id);
  const rejected = new Set<Brief>();
  for (const [id, group] of byId) {
    if (group.length < 2) continue;
    for (const b of group) {
      const others = group.filter((o) => o !== b).map((o) => o.file).join(', ');
      problems.push(problem('error', 'duplicate-id', b.file, { line: 1, col: 1 }, `duplicate id '${id}': also used by ${others}`));
      rejected.add(b);
    }
  }
  const byUrl = groupBy(briefs.filter((b) => b.source.url), (b) => normaliseUrl(b.source.url!));
  for (const group of byUrl.values()) {
    if (group.length < 2) continue;
    for (const b of group) {
      const others = group.filter((o) => o !== b).map((o) => o.file).join(', ');
      problems.push(problem('warning', 'duplicate-source', b.file, { line: 1, col: 1 }, `same source url as ${others}`));
    }
  }
  return briefs.filter((b) => !rejected.has(b));
}

function normaliseUrl(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.toString().replace(/\/$/, '');
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    map.set(k, [...(map.get(k) ?? []), item]);
  }
  return map;
}

/** The brief files under the given folders (or the files themselves), sorted; a path that does not exist is a problem. */
export async function briefFiles(paths: readonly string[]): Promise<{ files: string[]; problems: Problem[] }> {
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const found = await collect(p);
    if (found === undefined) problems.push(problem('error', 'not-found', displayPath(p), { line: 1, col: 1 }, 'no such file or folder'));
    else files.push(...found);
  }
  return { files: [...new Set(files)].sort(), problems };
}

/** Markdown files under a folder (or the file itself); undefined when the path does not exist. */
async function collect(p: string): Promise<string[] | undefined> {
  let info;
  try {
    info = await stat(p);
  } catch {
    return undefined;
  }
  if (info.isFile()) return [p];
  const entries = await readdir(p, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.md$/i.test(e.name) && isBriefName(path.relative(p, path.join(e.parentPath, e.name))))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Dotfiles, `_drafts`-style folders and READMEs in briefs/ are not briefs. */
function isBriefName(relative: string): boolean {
  return relative.split(path.sep).every((part) => !part.startsWith('.') && !part.startsWith('_')) && !/^readme\.md$/i.test(path.basename(relative));
}

