/**
 * The one way into briefs: every consumer (check, archive, editions, email,
 * schedule) gets the valid briefs plus every problem found. One bad brief
 * never hides the others, and nothing here throws for bad input.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Theme } from '../config/schema.js';
import { debug } from '../log.js';
import { displayPath } from '../paths.js';
import { problem, sortProblems, type Problem } from '../problems.js';
import { readFrontmatterFile } from '../yaml/frontmatter.js';
import type { Brief } from './schema.js';
import { validateBrief } from './validate.js';

const log = debug('briefs');

export interface LoadResult {
  /** Valid briefs, drafts included, newest first. */
  briefs: Brief[];
  /** Errors (the brief was left out) and warnings, sorted by file and line. */
  problems: Problem[];
  /** How many files were looked at. */
  files: number;
}

export async function loadBriefs(paths: readonly string[], themes: readonly Theme[]): Promise<LoadResult> {
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const p of paths) {
    const found = await collect(p);
    if (found === undefined) problems.push(problem('error', 'not-found', displayPath(p), { line: 1, col: 1 }, 'no such file or folder'));
    else files.push(...found);
  }
  const unique = [...new Set(files)].sort();

  const results = unique.map((file) => loadOne(file, themes));

  const candidates: Brief[] = [];
  for (const r of results) {
    problems.push(...r.problems);
    if (r.brief) candidates.push(r.brief);
  }
  const briefs = crossCheck(candidates, problems);
  briefs.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
  log('loaded %d of %d files, %d problems', briefs.length, unique.length, problems.length);
  return { briefs, problems: sortProblems(problems), files: unique.length };
}

function loadOne(file: string, themes: readonly Theme[]) {
  const shown = displayPath(file);
  try {
    const read = readFrontmatterFile(shown);
    if (!read.ok) return { brief: undefined, problems: read.problems };
    return validateBrief(read.doc, themes);
  } catch (cause) {
    // Unreadable file, permissions and the like: report it, keep going.
    const message = cause instanceof Error ? cause.message : String(cause);
    return { brief: undefined, problems: [problem('error', 'unreadable', shown, { line: 1, col: 1 }, `could not read: ${message}`)] };
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

