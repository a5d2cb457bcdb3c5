import { mkdirSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';

/** Files under `dir` whose names end with `suffix` ('' for all). */
export function countFiles(dir: string, suffix = ''): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(suffix)).length;
  } catch {
    return 0;
  }
}

/**
 * Moves `target`, if it exists, into `trash` (on the same disk), which the harness deletes once every
 * measurement is done. Not deleted here: on ext4 without a journal (this machine's disk), creating a file
 * skips inodes freed in the last minute or more, so a timed build that follows the deletion of the
 * previous build's thousands of files gets slower with every run, whichever side it is. Measured, bare
 * Eleventy at 1,000 briefs, six runs in a row: 0.77 s rising to 1.92 s when each deleted the last output,
 * 0.85–0.99 s when none did.
 */
export function moveAside(target: string, trash: string): void {
  mkdirSync(trash, { recursive: true });
  try {
    renameSync(target, path.join(trash, `${path.basename(target)}-${process.pid}-${Date.now()}`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
