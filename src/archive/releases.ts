/**
 * The built site as releases: each build writes a folder of its own under
 * `.<out>.releases/`, and `<out>` is a symlink to the current one, replaced
 * in one rename(2). At every instant `<out>` is a complete site, across a
 * kill -9 too: there is no moment between an old site going and a new one
 * coming. The release before the current one is kept (requests still
 * reading it finish), older ones and those of killed builds are removed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readlink, rename, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Written into every built site, so a later build knows the folder is safe to replace, and complete. */
export const BUILD_MARKER = '.briefing-archive';

export const releasesDir = (outDir: string) => path.join(path.dirname(outDir), `.${path.basename(outDir)}.releases`);

/** A new, empty release folder for this build. */
export async function newRelease(outDir: string): Promise<string> {
  const dir = path.join(releasesDir(outDir), `${Date.now()}-${process.pid}-${randomBytes(2).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** The release `outDir` points at now, if it is a link to one. */
export async function currentRelease(outDir: string): Promise<string | undefined> {
  try {
    return path.resolve(path.dirname(outDir), await readlink(outDir));
  } catch {
    return undefined;
  }
}

/**
 * Points `outDir` at `release`, atomically: a new symlink renamed over the old one. An `outDir` that is
 * still a plain folder (built before releases) becomes a release itself first; that move is the only
 * instant without a site, once, on the first build after upgrading.
 */
export async function publishRelease(outDir: string, release: string): Promise<void> {
  const link = path.join(path.dirname(outDir), `.${path.basename(outDir)}.link-${process.pid}-${randomBytes(4).toString('hex')}`);
  await symlink(path.relative(path.dirname(outDir), release), link);
  try {
    const existing = await lstat(outDir).catch(() => undefined);
    if (existing?.isDirectory()) await rename(outDir, path.join(releasesDir(outDir), `0-legacy-${process.pid}`));
    await rename(link, outDir);
  } catch (error) {
    await unlink(link).catch(() => undefined);
    throw error;
  }
}

/**
 * What a build may remove: every release but `keep` (the current and the previous one) and those that builds
 * still running are writing (no marker yet, their process alive), and what killed builds left beside `outDir`:
 * links, and the folders of older versions (`<out>.staging-<pid>-…`, `<out>.old-<pid>-…`).
 */
export async function staleReleases(outDir: string, keep: ReadonlyArray<string | undefined>): Promise<string[]> {
  const kept = new Set(keep.filter((k): k is string => k !== undefined).map((k) => path.resolve(k)));
  const dir = releasesDir(outDir);
  const releases = existsSync(dir) ? (await readdir(dir)).map((name) => ({ file: path.join(dir, name), pid: Number(/^\d+-(?:legacy-)?(\d+)/.exec(name)?.[1]) })) : [];
  const base = path.basename(outDir);
  // A first build into a folder that does not exist yet has nothing to clear.
  const siblings = await readdir(path.dirname(outDir)).catch(() => [] as string[]);
  const legacy = siblings
    .map((name) => ({ name, match: new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(?:staging|old)-(\\d+)-\\d+$`).exec(name) }))
    .filter((e) => e.match)
    .map((e) => ({ file: path.join(path.dirname(outDir), e.name), pid: Number(e.match![1]) }));
  // A link left by a killed build (renamed over outDir by a live one, or never) goes with it.
  const links = siblings
    .map((name) => ({ name, match: new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.link-(\\d+)-`).exec(name) }))
    .filter((e) => e.match)
    .map((e) => ({ file: path.join(path.dirname(outDir), e.name), pid: Number(e.match![1]) }));
  return [...releases, ...legacy, ...links]
    .filter((r) => !kept.has(r.file) && (r.pid === process.pid || existsSync(path.join(r.file, BUILD_MARKER)) || !isAlive(r.pid)))
    .map((r) => r.file);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
