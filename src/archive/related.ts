/**
 * Related briefs: those sharing entities or themes. Comparing every pair is
 * O(n²) and takes minutes at 10,000 briefs, so candidates come from an index
 * instead: for each entity and theme a brief has, only its nearest neighbours
 * in time within that bucket are considered. Work is O(n · keys · WINDOW).
 */
import type { Brief } from '../briefs/schema.js';

/** Neighbours looked at on each side, in each bucket. */
const WINDOW = 8;
/** A shared entity says more than a shared (broad) theme. */
const ENTITY_WEIGHT = 3;
const THEME_WEIGHT = 1;

/**
 * For each brief (by index into `briefs`), the indexes of up to `limit` related briefs, best first.
 * With `only`, just that brief's list is computed (the others are empty).
 */
export function relatedIndex(briefs: readonly Brief[], limit = 5, only?: number): number[][] {
  const buckets = new Map<string, number[]>();
  // Per brief: its keys and its position in each key's bucket.
  const keysOf: Array<Array<[string, number]>> = briefs.map(() => []);
  const entitySets: Array<Set<string>> = [];

  briefs.forEach((brief, i) => {
    const entities = new Set(brief.entities.map(normalise));
    entitySets.push(entities);
    const keys = [...[...entities].map((e) => `e:${e}`), ...new Set(brief.themes.map((t) => `t:${t}`))];
    for (const key of keys) {
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = []));
      keysOf[i]!.push([key, bucket.length]);
      bucket.push(i);
    }
  });

  return briefs.map((brief, i) => {
    if (only !== undefined && i !== only) return [];
    const scores = new Map<number, number>();
    for (const [key, pos] of keysOf[i]!) {
      const bucket = buckets.get(key)!;
      const from = Math.max(0, pos - WINDOW);
      const to = Math.min(bucket.length, pos + WINDOW + 1);
      for (let j = from; j < to; j++) {
        const other = bucket[j]!;
        if (other !== i) scores.set(other, 0);
      }
    }
    const mine = entitySets[i]!;
    const themes = new Set(brief.themes);
    const ranked: Array<[number, number]> = [];
    for (const other of scores.keys()) {
      let score = 0;
      for (const e of entitySets[other]!) if (mine.has(e)) score += ENTITY_WEIGHT;
      for (const t of briefs[other]!.themes) if (themes.has(t)) score += THEME_WEIGHT;
      ranked.push([other, score]);
    }
    // Best score first; among equals the one closest in time (briefs are sorted by date).
    ranked.sort((a, b) => b[1] - a[1] || Math.abs(a[0] - i) - Math.abs(b[0] - i) || a[0] - b[0]);
    return ranked.slice(0, limit).map(([other]) => other);
  });
}

function normalise(entity: string): string {
  return entity.trim().toLowerCase();
}
