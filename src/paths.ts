import path from 'node:path';

/** A path as a person should see it in a message: relative to where they stand, when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}
