/**
 * Which briefs go into the next edition: a pure function of the briefs, the
 * editions already made and the date, so it can be tested without files.
 */
import type { Brief } from '../briefs/schema.js';
import type { Theme } from '../config/schema.js';
import type { EditionRecord } from './schema.js';

/**
 * Every `ready` brief dated on or before `date` that is in no earlier edition,
 * grouped by primary theme in configured order, newest first within a theme
 * (ties by id, so the order never depends on the file system).
 */
export function selectBriefs(briefs: readonly Brief[], editions: readonly Pick<EditionRecord, 'briefs'>[], date: string, themes: readonly Theme[]): Brief[] {
  const published = new Set(editions.flatMap((e) => e.briefs));
  const order = new Map(themes.map((t, i) => [t.slug, i]));
  return briefs
    .filter((b) => b.status === 'ready' && b.date <= date && !published.has(b.id) && order.has(b.themes[0]!))
    .sort((a, b) => order.get(a.themes[0]!)! - order.get(b.themes[0]!)! || b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
}
