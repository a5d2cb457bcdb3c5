/**
 * Theme lists given by a person (CLI flag, CSV cell, web form): known slugs
 * only, with a suggestion for a typo.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { Theme } from '../config/schema.js';

export type ThemesResult = { ok: true; themes: string[] } | { ok: false; message: string };

/** Splits on commas, semicolons and whitespace; empty means "every theme". Result is in configured order. */
export function parseThemeList(input: string | readonly string[], configured: readonly Theme[]): ThemesResult {
  const parts = (typeof input === 'string' ? [input] : input).flatMap((s) => s.split(/[,;\s]+/)).map((s) => s.trim()).filter(Boolean);
  const slugs = configured.map((t) => t.slug);
  const wanted = new Set<string>();
  for (const part of parts) {
    const slug = part.toLowerCase();
    if (!slugs.includes(slug)) {
      const guess = closest(slug, slugs);
      const hint = guess && distance(slug, guess) <= Math.max(2, Math.floor(slug.length / 3)) ? `; did you mean "${guess}"?` : '';
      return { ok: false, message: `unknown theme "${part}"${hint} (themes: ${slugs.join(', ')})` };
    }
    wanted.add(slug);
  }
  return { ok: true, themes: slugs.filter((s) => wanted.has(s)) };
}

/** Stored form: comma-separated, configured order; '' = all themes. */
export const themesToColumn = (themes: readonly string[]): string => themes.join(',');
export const themesFromColumn = (column: string): string[] => (column ? column.split(',') : []);
