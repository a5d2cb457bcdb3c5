import { describe, expect, it } from 'vitest';
import { relatedIndex } from '../../src/archive/related.js';
import type { Brief } from '../../src/briefs/schema.js';

function brief(id: string, date: string, themes: string[], entities: string[]): Brief {
  return {
    id,
    file: `${id}.md`,
    body: '',
    bodyLine: 1,
    title: id,
    date,
    themes,
    entities,
    summary: 's',
    status: 'ready',
    source: { name: 'n' },
  } as Brief;
}

describe('relatedIndex', () => {
  const briefs = [
    brief('a', '2026-11-20', ['safety'], ['DeepSeek', 'Nvidia']),
    brief('b', '2026-11-19', ['open-source'], ['deepseek']),
    brief('c', '2026-11-18', ['safety'], []),
    brief('d', '2026-11-17', ['export-controls'], ['Huawei']),
    brief('e', '2026-11-16', ['safety', 'open-source'], ['DeepSeek', 'Nvidia']),
  ];
  const ids = (i: number) => relatedIndex(briefs)[i]!.map((j) => briefs[j]!.id);

  it('ranks shared entities (case-insensitive) above a shared theme, and never lists the brief itself', () => {
    expect(ids(0)).toEqual(['e', 'b', 'c']);
  });

  it('leaves out briefs that share nothing', () => {
    expect(ids(3)).toEqual([]);
    expect(ids(0)).not.toContain('d');
  });

  it('respects the limit', () => {
    const many = Array.from({ length: 30 }, (_, i) => brief(`x${i}`, `2026-01-${String(1 + (i % 28)).padStart(2, '0')}`, ['safety'], ['Same']));
    const related = relatedIndex(many, 5);
    expect(related.every((r) => r.length === 5)).toBe(true);
    expect(related.every((r, i) => !r.includes(i))).toBe(true);
  });

  it('finds neighbours in a large archive from the index, nearest in time first', () => {
    // 5,000 briefs share one theme: only nearby ones are candidates, so this stays linear.
    const big = Array.from({ length: 5000 }, (_, i) => brief(`y${i}`, '2026-01-01', ['safety'], [`E${i % 50}`]));
    const related = relatedIndex(big, 3);
    // y100 shares entity E0 with y50 and y150 (nearest in its entity bucket), which outrank theme-only matches.
    expect(related[100]!.map((j) => big[j]!.id)).toEqual(['y50', 'y150', 'y0']);
  });
});
