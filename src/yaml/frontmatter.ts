/**
 * Splits a Markdown file with YAML frontmatter (a brief, an edition) into
 * positioned YAML and a body, safely: no frontmatter engine but YAML ever
 * runs, nothing is cached between calls, and size, encoding and delimiters
 * are checked before any parsing.
 */
import { formatSize } from '../units.js';
import { readFileSync, statSync } from 'node:fs';
import matter from 'gray-matter';
import { parseYaml, MAX_YAML_BYTES, type ParsedYaml } from './parse.js';
import { problem, type Problem } from '../problems.js';

/** A brief or edition is a few hundred words; anything this large is a mistake. */
export const MAX_FILE_BYTES = 256_000;

export interface FrontmatterFile {
  file: string;
  yaml: ParsedYaml;
  body: string;
  bodyLine: number;
}

const refuse = (): never => {
  throw new Error('only YAML frontmatter is allowed');
};

/**
 * gray-matter evaluates `---js`/`---javascript` (and any case of them, via its
 * alias lookup) with eval by default. Every engine but YAML refuses here; the
 * language is also rejected before gray-matter sees the text.
 * Passing options at all turns off gray-matter's cache, which otherwise
 * returns `{}` for a second parse of an invalid file.
 */
const MATTER_OPTIONS = {
  language: 'yaml',
  engines: {
    // We parse the block ourselves (parseYaml) to keep positions; gray-matter only splits.
    yaml: { parse: () => ({}) },
    javascript: { parse: refuse },
    js: { parse: refuse },
    coffee: { parse: refuse },
    coffeescript: { parse: refuse },
    cson: { parse: refuse },
    json: { parse: refuse },
    toml: { parse: refuse },
  },
};

export type ReadResult = { ok: true; doc: FrontmatterFile } | { ok: false; problems: Problem[] };

/**
 * Synchronous on purpose: a brief is a few KB, and one stat plus one read
 * costs far less than the five thread-pool round trips of the promise API
 * (stat, open, fstat, read, close), which dominated loading 10,000 briefs.
 */
export function readFrontmatterFile(file: string): ReadResult {
  const read = readFileBytes(file);
  return read.ok ? parseFrontmatterFile(file, read.bytes) : read;
}

/** The file's bytes, unless it is too large to be a brief or an edition (checked before reading). */
export function readFileBytes(file: string): { ok: true; bytes: Buffer } | { ok: false; problems: Problem[] } {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) {
    return failure(file, 1, 1, 'too-large', `file is ${formatSize(size)}; the limit is ${formatSize(MAX_FILE_BYTES)}`);
  }
  return { ok: true, bytes: readFileSync(file) };
}

function failure(file: string, line: number, col: number, code: string, message: string): { ok: false; problems: Problem[] } {
  return { ok: false, problems: [problem('error', code, file, { line, col }, message)] };
}

export function parseFrontmatterFile(file: string, bytes: Uint8Array): ReadResult {
  const fail = (line: number, col: number, code: string, message: string) => failure(file, line, col, code, message);

  if (bytes.length === 0 || /^\s*$/.test(Buffer.from(bytes).toString('latin1'))) {
    return fail(1, 1, 'empty', 'empty file: it should start with a "---" line, the frontmatter, and a closing "---"');
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const loose = new TextDecoder('utf-8').decode(bytes);
    const at = lineCol(loose, loose.indexOf('\uFFFD'));
    return fail(at.line, at.col, 'encoding', 'invalid UTF-8: save the file with UTF-8 encoding');
  }

  // A BOM and CRLF are common from Windows editors; neither changes line numbers.
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');

  const open = /^---([^\n]*)(?:\n|$)/.exec(text);
  if (!open) return fail(1, 1, 'no-frontmatter', 'no frontmatter: the file must start with a "---" line');
  const language = open[1]!.trim();
  if (language !== '') {
    return fail(1, 4, 'frontmatter-language', `frontmatter language "${language}" is not allowed; use YAML (a bare "---")`);
  }
  const close = /^---[ \t]*$/m.exec(text.slice(open[0].length));
  if (!close) return fail(1, 1, 'unclosed-frontmatter', 'frontmatter is not closed: add a "---" line after the last key');

  const blockEnd = open[0].length + close.index;
  if (blockEnd > MAX_YAML_BYTES) {
    return fail(1, 1, 'frontmatter-too-large', `frontmatter is larger than ${formatSize(MAX_YAML_BYTES)}`);
  }

  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(text, MATTER_OPTIONS as never);
  } catch (cause) {
    return fail(1, 1, 'frontmatter', `frontmatter could not be read: ${cause instanceof Error ? cause.message : String(cause)}`);
  }

  // Both splitters must agree, or a stray "---" line would be read two ways.
  if (parsed.matter !== text.slice(3, Math.max(3, blockEnd - 1))) {
    return fail(1, 1, 'frontmatter', 'frontmatter has a line starting with "---" before its closing "---"');
  }

  // gray-matter's block starts right after the opening "---", so its line 1 is file line 1.
  const yaml = parseYaml(parsed.matter, { line: 1, col: 4 });
  const bodyLine = lineCol(text, blockEnd).line + 1;
  return { ok: true, doc: { file, yaml, body: parsed.content, bodyLine } };
}

function lineCol(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, index));
  const line = before.split('\n').length;
  return { line, col: index - before.lastIndexOf('\n') };
}
