/**
 * Catches up on briefs and editions Eleventy's dev server never saw.
 *
 * Eleventy's watch mode (`briefing dev`, `eleventy --serve`) starts its file watcher only after the first build, and
 * the watcher ignores whatever it finds while scanning (it counts as already
 * there). A brief saved during the first build or the scan would never be
 * built. So each build notes the files it read (`snapshot`); afterwards
 * (`catchUp`) the folders are compared with that note for a while, and a file
 * that is new or changed since is touched (its mtime set to now), which the
 * watcher, once running, reports as a change: Eleventy rebuilds as usual.
 * Touching again until a build starts covers a watcher that is still scanning.
 */
import { readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { debug } from '../log.js';

const log = debug('archive:source-watch');

export interface SourceWatchOptions {
  /** How often the folders are compared with the snapshot. */
  intervalMs?: number;
  /** How long after a build to keep comparing. */
  windowMs?: number;
}

export class SourceWatch {
  private seen = new Map<string, string>();
  private generation = 0;
  private readonly intervalMs: number;
  private readonly windowMs: number;

  constructor(
    private readonly dirs: () => readonly string[],
    options: SourceWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.windowMs = options.windowMs ?? 30_000;
  }

  /** Notes every source file as it is now; call before the build reads them. */
  snapshot(): void {
    this.seen = scan(this.dirs());
  }

  /** A build began: it reads everything afresh, so any pending catch-up is moot. */
  buildStarted(): void {
    this.generation++;
  }

  /** Files new or changed since the last snapshot (deleted ones are left to the next build). */
  changedSinceSnapshot(): string[] {
    const changed: string[] = [];
    for (const [file, stamp] of scan(this.dirs())) if (this.seen.get(file) !== stamp) changed.push(file);
    return changed;
  }

  /**
   * After a build: compares the folders with the snapshot every interval, and
   * touches what changed until a new build starts or the window closes.
   * Resolves when it stops (tests await it; the dev server does not).
   */
  catchUp(): Promise<'rebuilt' | 'idle'> {
    const generation = this.generation;
    const until = Date.now() + this.windowMs;
    return new Promise((resolve) => {
      const tick = () => {
        if (this.generation !== generation) return resolve('rebuilt');
        if (Date.now() > until) return resolve('idle');
        const changed = this.changedSinceSnapshot();
        if (changed.length) {
          log('not built yet, touching: %o', changed);
          const now = new Date();
          for (const file of changed) {
            try {
              utimesSync(file, now, now);
            } catch {
              // Gone again: nothing to build.
            }
          }
        }
        setTimeout(tick, this.intervalMs).unref();
      };
      setTimeout(tick, this.intervalMs).unref();
    });
  }
}

/** file → "mtime:size" for every .md file under the folders. */
function scan(dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.md')) {
        const s = statSync(full, { throwIfNoEntry: false });
        if (s) out.set(full, `${s.mtimeMs}:${s.size}`);
      }
    }
  };
  for (const dir of dirs) walk(dir);
  return out;
}
