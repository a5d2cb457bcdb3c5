import path from 'node:path';

/** The Briefing install (package.json, templates/). src/ and lib/ (src/ compiled, see bin/compile.js) both sit right under it. */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, '..');

/** The package's own templates folder, the fallback when a project has none. */
export const BUILTIN_TEMPLATES = path.join(PACKAGE_ROOT, 'templates');

/**
 * Briefing's TypeScript sources. Caches fingerprint these, not the running
 * file, so the tests (src/) and the CLI (lib/) share one cache.
 */
export const SOURCE_DIR = path.join(PACKAGE_ROOT, 'src');

/** A path as a person should see it in a message: relative to where they stand, when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** The SQLite database's file name in the data folder. */
export const DB_FILE = 'briefing.db';
