/**
 * Turns zod issues into positioned, human messages: the key path, where it
 * is, and for an unknown key the nearest known one.
 */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';
import type { Position } from '../errors.js';

export interface PositionedProblem {
  message: string;
  position: Position;
  path: PropertyKey[];
}

/** The nearest candidate if it is close enough to be a likely typo. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const best = closest(word, candidates as string[]);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(word, best) <= limit ? best : undefined;
}

export function describePath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (out, seg) => (typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${String(seg)}` : String(seg)),
    '',
  );
}

/**
 * `knownKeys` maps an object path (joined with ".") to its known keys, for
 * suggestions; the top level is "". A plain array is the top level's keys.
 */
export function zodProblems(
  error: z.ZodError,
  positionOf: (path: ReadonlyArray<PropertyKey>) => Position,
  knownKeys: string[] | Record<string, string[]>,
): PositionedProblem[] {
  const known = Array.isArray(knownKeys) ? { '': knownKeys } : knownKeys;
  const out: PositionedProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      const candidates = known[path.filter((p) => typeof p === 'string').join('.')] ?? [];
      for (const key of issue.keys) {
        const hint = suggest(key, candidates);
        const where = path.length ? ` in ${describePath(path)}` : '';
        out.push({
          message: `unknown key '${key}'${where}${hint ? `; did you mean '${hint}'?` : ''}`,
          position: positionOf([...path, key]),
          path: [...path, key],
        });
      }
      continue;
    }
    const name = describePath(path);
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    // Our schema messages usually name their field already; don't say it twice.
    const named = !name || issue.message.startsWith(name) || issue.message.startsWith(String(path.at(-1)));
    const message = missing ? `${name} is required` : named ? issue.message : `${name}: ${issue.message}`;
    out.push({ message, position: positionOf(path), path });
  }
  return out;
}
