/**
 * Build caches under <root>/.cache/briefing/<name>/ (beside Eleventy's own
 * .cache): entries named by a hash of everything that goes into them, kept
 * between builds, safe to delete at any time. A cache that cannot be read or
 * written only costs the next build time, never its output.
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
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

/** An installed package's version, for cache keys: an upgrade must not reuse old output. */
export function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}
