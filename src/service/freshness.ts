/**
 * Whether dist/ needs a build before the service serves it: missing, or
 * older than any brief, edition, template (the project's or the built-in
 * ones) or the config file.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUILD_MARKER } from '../archive/build.js';
import { BUILTIN_TEMPLATES } from '../paths.js';
import type { Config } from '../config/schema.js';

export type DistState = 'missing' | 'stale' | 'fresh';

export function distState(config: Config, distDir: string): DistState {
  const marker = path.join(distDir, BUILD_MARKER);
  if (!existsSync(marker)) return existsSync(path.join(distDir, 'index.html')) ? 'stale' : 'missing';
  const built = statSync(marker).mtimeMs;
  // The built-in templates count too: upgrading Briefing should rebuild the site.
  const sources = [config.briefsDir, config.editionsDir, config.templatesDir, BUILTIN_TEMPLATES, ...(config.file ? [config.file] : [])];
  return sources.some((source) => newestMtime(source) > built) ? 'stale' : 'fresh';
}

function newestMtime(target: string, depth = 0): number {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A folder's own mtime changes when a file in it is deleted or renamed.
  let newest = stat.mtimeMs;
  if (depth > 8) return newest;
  for (const entry of readdirSync(target)) {
    if (entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry), depth + 1));
  }
  return newest;
}
