// @ts-check
/**
 * lib/: src/ as plain JavaScript, one file per file (esbuild strips the
 * types), so the CLI runs without a TypeScript loader. Under tsx every
 * process paid for its loader thread: ~35 MB more memory and ~0.3 s more
 * start-up (measured; see README, Architecture).
 *
 * lib/ is brought up to date on demand: it carries a stamp of every file
 * under src/ (path, size, mtime), esbuild's version and this file, and is
 * rebuilt when the stamp differs (~0.2 s for all of src/). Each file is
 * written through a temp file and a rename, the stamp last, so processes
 * starting at once can both compile and neither ever imports half a file.
 * lib/ has the same depth as src/, so paths a module finds relative to
 * itself (templates/, package.json) are the same from either.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
export const STAMP_FILE = '.stamp';

/**
 * The folder with the up-to-date compiled tree of `<root>/src`, compiling it
 * first when needed. Throws when it cannot (a syntax error, an unwritable
 * folder): the caller then runs src/ through tsx, which reports the same.
 * @param {string} root the package folder (holds src/)
 * @returns {Promise<string>} `<root>/lib`
 */
export async function compiled(root) {
  const src = path.join(root, 'src');
  const lib = path.join(root, 'lib');
  const files = listFiles(src);
  const stamp = stampOf(src, files);
  if (readStamp(lib) === stamp) return lib;

  const { build } = await import('esbuild');
  const typescript = files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const result = await build({
    entryPoints: typescript.map((f) => path.join(src, f)),
    outbase: src,
    outdir: lib,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Written next to each file and read only by `node --enable-source-maps`: stack traces then name src/ lines.
    sourcemap: 'linked',
    write: false,
    logLevel: 'silent',
  });
  const wanted = new Set([STAMP_FILE]);
  for (const out of result.outputFiles) {
    writeAtomic(out.path, out.contents);
    wanted.add(path.relative(lib, out.path));
  }
  // Plain JavaScript in src/ (the worker entries) is copied as it is.
  for (const f of files.filter((f) => !f.endsWith('.ts'))) {
    writeAtomic(path.join(lib, f), readFileSync(path.join(src, f)));
    wanted.add(f);
  }
  // Files whose source is gone; nothing current imports them.
  for (const f of listFiles(lib)) if (!wanted.has(f)) rmSync(path.join(lib, f), { force: true });
  writeAtomic(path.join(lib, STAMP_FILE), stamp);
  return lib;
}

/** @param {string} dir @returns {string[]} paths relative to dir, sorted */
function listFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && !e.name.includes('.tmp-'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** @param {string} src @param {string[]} files relative to src */
function stampOf(src, files) {
  const esbuild = path.join(path.dirname(createRequire(import.meta.url).resolve('esbuild')), '..', 'package.json');
  const hash = createHash('sha256');
  hash.update(readFileSync(SELF)).update(readFileSync(esbuild));
  for (const f of files) {
    const s = statSync(path.join(src, f));
    hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** @param {string} lib */
function readStamp(lib) {
  try {
    return readFileSync(path.join(lib, STAMP_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes through a temp file and a rename, so a reader sees the old file or the new one, never half of one.
 * @param {string} file @param {string | Uint8Array} data
 */
export function writeAtomic(file, data) {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
