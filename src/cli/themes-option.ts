/**
 * One spelling of the theme flag for every command: `--themes a,b` is the
 * documented one; `--theme a` (repeatable, commas too) is taken as well,
 * as `new` once wanted it. Unknown slugs are a usage error with a suggestion.
 */
import { Option, type Command } from 'commander';
import type { Config } from '../config/schema.js';
import { parseThemeList } from '../delivery/themes.js';
import { UsageError } from '../errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface ThemeFlags {
  themes?: string[];
  theme?: string[];
}

export function addThemesOption(command: Command, description: string): Command {
  return command
    .addOption(new Option('--themes <slugs>', `${description}; comma-separated`).argParser(collect))
    .addOption(new Option('--theme <slug>', 'the same as --themes').argParser(collect).hideHelp());
}

/**
 * The slugs given, in configured order (`asGiven`: in the order written, as `new` needs: the first is the
 * primary theme); undefined when none was given. A bad one is a usage error.
 */
export function themesFrom(flags: ThemeFlags, config: Config, { asGiven = false } = {}): string[] | undefined {
  const given = [...(flags.themes ?? []), ...(flags.theme ?? [])];
  if (given.length === 0) return undefined;
  const parsed = parseThemeList(given, config.themes);
  if (!parsed.ok) throw new UsageError(`--themes: ${parsed.message}`);
  if (parsed.themes.length === 0) throw new UsageError(`--themes: name at least one theme (themes: ${config.themes.map((t) => t.slug).join(', ')})`);
  return asGiven ? [...new Set(given.flatMap((g) => g.split(/[,;\s]+/)).map((t) => t.trim().toLowerCase()).filter(Boolean))] : parsed.themes;
}
