/**
 * Briefing's parts, loaded lazily by their contract (TEAM.md), so that a
 * part that is not built (or fails to load) turns its rows into
 * "n/a (not built yet)" instead of breaking the whole benchmark.
 */
import type { Config } from '../../src/config/schema.js';
import type { ResolvedEdition } from '../../src/editions/published.js';
import type { Logger } from '../../src/log.js';
import type { EmailVariant } from '../../src/render/variant.js';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { exitNotBuilt, ROOT } from './child.js';

export interface ArchiveResult {
  outDir: string;
  pages: number;
  problems: unknown[];
}
export type BuildArchive = (config: Config, options: { outDir?: string; strict?: boolean; log: Logger; search?: boolean }) => Promise<ArchiveResult>;
export type RenderEmailVariant = (config: Config, edition: ResolvedEdition, themes: readonly string[]) => Promise<EmailVariant>;
export interface VariantCache {
  themeKey(themes: readonly string[]): string | null;
  get(themes: readonly string[]): Promise<EmailVariant>;
}
export type CreateVariantCache = (config: Config, edition: ResolvedEdition) => VariantCache;
export type SendEdition = (config: Config, options: { edition: string; dryRun?: boolean; log: Logger; signal?: AbortSignal }) => Promise<unknown>;

/**
 * A module of Briefing's: lib/<module>.js in a task's script (bench/.tasks, run
 * without a TypeScript loader; see runTask), src/<module>.ts under tsx.
 */
const moduleUrl = (module: string): string =>
  import.meta.url.endsWith('.ts') ? new URL(`../../src/${module}.ts`, import.meta.url).href : pathToFileURL(path.join(ROOT, 'lib', `${module}.js`)).href;

/** Loads `name` from src/<module>; when it is missing or does not load, the task ends as "not built". */
export async function part<T>(module: string, name: string): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl(module))) as Record<string, unknown>;
  } catch (cause) {
    exitNotBuilt(`src/${module}.ts does not load: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`);
  }
  if (typeof mod[name] !== 'function') exitNotBuilt(`src/${module}.ts has no ${name}()`);
  return mod[name] as T;
}

/** Like part(), but undefined when missing: for an extra measurement that may be skipped. */
export async function optionalPart<T>(module: string, name: string): Promise<T | undefined> {
  try {
    const mod = (await import(moduleUrl(module))) as Record<string, unknown>;
    return typeof mod[name] === 'function' ? (mod[name] as T) : undefined;
  } catch {
    return undefined;
  }
}
