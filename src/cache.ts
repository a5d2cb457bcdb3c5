/**
 * Build caches under <root>/.cache/briefing/<name>/ (beside Eleventy's own
 * .cache): entries named by a hash of everything that goes into them, kept
 * between builds, safe to delete at any time. A cache that cannot be read or
 * written only costs the next build time, never its output.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, type Dirent } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Config } from './config/schema.js';
import { debug } from './log.js';

const log = debug('cache');

export function cacheDir(config: Config, name: string): string {
  return path.join(config.root, '.cache', 'briefing', name);
}

/**
 * Fills a temp folder and renames it to `<dir>/<key>`, so a crash never
 * leaves half an entry under a valid key. Returns the entry's folder, or
 * undefined when the cache could not be written (`fill`'s own errors are thrown).
 */
export async function commitEntry(dir: string, key: string, fill: (tmp: string) => void | Promise<void>): Promise<string | undefined> {
  const tmp = path.join(dir, `.tmp-${process.pid}-${key}`);
  try {
    mkdirSync(tmp, { recursive: true });
  } catch (error) {
    log('cache %s not writable: %s', dir, (error as Error).message);
    return undefined;
  }
  try {
    await fill(tmp);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  const entry = path.join(dir, key);
  try {
    rmSync(entry, { recursive: true, force: true });
    renameSync(tmp, entry);
    return entry;
  } catch (error) {
    log('cache write failed: %s', (error as Error).message);
    rmSync(tmp, { recursive: true, force: true });
    return undefined;
  }
}

/** Whether the cache holds any entry (not counting temp entries being filled). */
export function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => !name.startsWith('.'));
  } catch {
    return false;
  }
}

/** Removes the entries this build did not use: an edited brief or template leaves its old entry behind. */
export function pruneCache(dir: string, used: ReadonlySet<string>): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (used.has(name) || busy(name)) continue;
    rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/** A temp entry another running build is still filling (see commitEntry). */
function busy(name: string): boolean {
  const pid = Number(/^\.tmp-(\d+)-/.exec(name)?.[1]);
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const require = createRequire(import.meta.url);

/**
 * An installed package's version, for cache keys: an upgrade must not reuse
 * old output. '?' for a package that hides its package.json (entities) or is
 * installed only inside another's node_modules: list the package that uses it.
 */
export function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** What makes a cached result: code files (read now), package versions and any settings. */
export interface FingerprintParts {
  files: readonly string[];
  packages: readonly string[];
  settings?: unknown;
}

/** A hash that changes whenever any of `parts` does: editing the code or upgrading a package must not reuse old results. */
export function fingerprint(parts: FingerprintParts): string {
  const hash = createHash('sha256').update(JSON.stringify(parts.settings ?? null));
  for (const name of parts.packages) hash.update(`\0${name}@${packageVersion(name)}`);
  for (const file of parts.files) {
    hash.update('\0').update(file).update('\0');
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(missing)');
    }
  }
  return hash.digest('hex');
}

/** The files under `dir`, sorted, for fingerprints; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return filesUnder(full);
      return e.isFile() || statSync(full, { throwIfNoEntry: false })?.isFile() ? [full] : [];
    });
}

/** Saves so far in this process, so that each has a temp file of its own. */
let saves = 0;

/**
 * Results of work done once per input that stay the same as long as the
 * input does (a brief's parsing and checks, its Markdown), kept in one file
 * between runs. Keys are hashes of the input (DiskMemo.key); the file is
 * stamped with a fingerprint of what makes the results, and a file with
 * another stamp reads as empty. Saving keeps only the entries used since
 * opening, so the file never outgrows the project.
 *
 * Values go through v8.serialize: plain data only. A value handed out by
 * `get` is the stored object itself; callers must not change it.
 */
export class DiskMemo<V> {
  private used = new Map<string, V>();
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly stamp: string,
    private stored: ReadonlyMap<string, V>,
  ) {}

  static open<V>(file: string, stamp: string): DiskMemo<V> {
    let stored = new Map<string, V>();
    try {
      const read = deserialize(readFileSync(file)) as { stamp?: unknown; entries?: unknown };
      if (read.stamp === stamp && read.entries instanceof Map) stored = read.entries as Map<string, V>;
      else log('%s: made by other code or settings; starting afresh', file);
    } catch (error) {
      // No file yet (a fresh clone), or one cut short: either way, start afresh.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log('%s unreadable: %s', file, (error as Error).message);
    }
    return new DiskMemo(file, stamp, stored);
  }

  /** A key for an input given in parts (say a path and the file's bytes). */
  static key(...parts: ReadonlyArray<string | Uint8Array>): string {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part).update('\0');
    return hash.digest('hex').slice(0, 32);
  }

  get(key: string): V | undefined {
    const value = this.used.get(key) ?? this.stored.get(key);
    if (value !== undefined) this.used.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.used.set(key, value);
    this.changed = true;
  }

  /**
   * Writes the entries used since opening, unless they are exactly what the
   * file holds, and lets go of them: the last call on a memo, so that a
   * build does not carry them through its later, larger stages. The entries
   * are taken at the call; the writing goes on in the background until the
   * promise settles. Never rejects: a memo that cannot be written only costs
   * the next run its time.
   */
  async save(): Promise<void> {
    const { used, stored, changed } = this;
    this.used = new Map();
    this.stored = new Map();
    this.changed = false;
    if (!changed && used.size === stored.size) return;
    // Its own temp file, even when an earlier save of this process is still writing (npm run dev).
    const dir = path.dirname(this.file);
    const tmp = path.join(dir, `.tmp-${process.pid}-${++saves}-${path.basename(this.file)}`);
    try {
      const bytes = serialize({ stamp: this.stamp, entries: used });
      await mkdir(dir, { recursive: true });
      await writeFile(tmp, bytes);
      // A rename, so a build that stops halfway never leaves half a file under the real name.
      await rename(tmp, this.file);
      // What a build killed while saving left behind (see busy()).
      const mine = `.tmp-${process.pid}-`;
      for (const name of await readdir(dir)) if (name.startsWith('.tmp-') && !name.startsWith(mine) && !busy(name)) await rm(path.join(dir, name), { force: true });
    } catch (error) {
      log('%s not written: %s', this.file, (error as Error).message);
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }
}
