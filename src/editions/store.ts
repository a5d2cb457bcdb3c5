/**
 * Reads and writes editions/<date>.md. Reading is as strict as for briefs:
 * a broken edition file is reported with its position and left out.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../files.js';
import path from 'node:path';
import { stringify } from 'yaml';
import { displayPath } from '../paths.js';
import { problem, sortProblems, type Problem } from '../problems.js';
import { readFrontmatterFile } from '../yaml/frontmatter.js';
import { zodProblems } from '../yaml/zod-problems.js';
import { EDITION_KEYS, editionFrontmatterSchema, type EditionRecord } from './schema.js';

export interface EditionsResult {
  /** Oldest first (by number). */
  editions: EditionRecord[];
  problems: Problem[];
}

export async function loadEditions(dir: string): Promise<EditionsResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.md$/i.test(n) && !n.startsWith('.') && !n.startsWith('_')).sort();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { editions: [], problems: [] };
    throw cause;
  }
  const editions: EditionRecord[] = [];
  const problems: Problem[] = [];
  for (const name of names) {
    const file = displayPath(path.join(dir, name));
    const read = readFrontmatterFile(file);
    if (!read.ok) {
      problems.push(...read.problems);
      continue;
    }
    const { yaml, body } = read.doc;
    if (yaml.problems.length > 0) {
      problems.push(...yaml.problems.map((p) => problem('error', 'yaml', file, p.position, p.message)));
      continue;
    }
    const parsed = editionFrontmatterSchema.safeParse(yaml.data ?? undefined);
    if (!parsed.success) {
      for (const p of zodProblems(parsed.error, yaml.positionOf, EDITION_KEYS)) problems.push(problem('error', 'schema', file, p.position, p.message));
      continue;
    }
    const id = name.replace(/\.md$/i, '');
    if (id !== parsed.data.date) {
      problems.push(problem('error', 'edition-name', file, yaml.positionOf(['date']), `file name must be the edition date (${parsed.data.date}.md)`));
      continue;
    }
    editions.push({ ...parsed.data, id, file, note: body.trim() });
  }
  editions.sort((a, b) => a.number - b.number);
  for (let i = 1; i < editions.length; i++) {
    const prev = editions[i - 1]!;
    const cur = editions[i]!;
    if (cur.number === prev.number) {
      problems.push(problem('error', 'duplicate-number', cur.file, { line: 1, col: 1 }, `edition number ${cur.number} is also used by ${prev.file}`));
    }
  }
  return { editions, problems: sortProblems(problems) };
}

/** The edition file's text: frontmatter (in a stable key order), then the editor's note. */
function editionText(edition: Omit<EditionRecord, 'file' | 'id'>): string {
  const { note, ...frontmatter } = edition;
  const yaml = stringify(frontmatter, { lineWidth: 0 }).replace(/^date: "(\d{4}-\d{2}-\d{2})"$/m, 'date: $1');
  // The body is the editor's note: the writer may add one before the edition is sent.
  return `---\n${yaml}---\n${note.trim() ? `\n${note.trim()}\n` : ''}`;
}

/** Writes a new edition file; refuses to overwrite, so an edition is never created twice. */
export async function writeEdition(dir: string, edition: Omit<EditionRecord, 'file' | 'id'>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${edition.date}.md`);
  await writeFileAtomic(file, editionText(edition), { exclusive: true });
  return file;
}

/** Replaces a draft edition's file (re-assembled), in one step. */
export async function replaceEdition(file: string, edition: Omit<EditionRecord, 'file' | 'id'>): Promise<void> {
  await writeFileAtomic(file, editionText(edition));
}

/**
 * Records that the edition's first message went out: `sent_at` is added to its frontmatter, and nothing
 * else in the file changes (the editor's note and any comments stay as written). Once only.
 */
export async function markEditionSent(file: string, at: Date): Promise<void> {
  const text = await readFile(file, 'utf8');
  const close = /\n---\r?\n|\n---$/.exec(text.slice(3));
  if (!text.startsWith('---') || !close) throw new Error(`${file}: no frontmatter to record sent_at in`);
  const end = 3 + close.index + 1;
  if (/^sent_at:/m.test(text.slice(0, end))) return;
  await writeFileAtomic(file, `${text.slice(0, end)}sent_at: "${at.toISOString()}"\n${text.slice(end)}`);
}
