import { readdirSync } from 'node:fs';

/** Files under `dir` whose names end with `suffix` ('' for all). */
export function countFiles(dir: string, suffix = ''): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(suffix)).length;
  } catch {
    return 0;
  }
}
