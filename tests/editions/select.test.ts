import { describe, expect, it } from 'vitest';
import type { Brief } from '../../src/briefs/schema.js';
import { DEFAULT_THEMES, type Theme } from '../../src/config/schema.js';
import { selectBriefs } from '../../src/editions/select.js';

const themes = DEFAULT_THEMES as Theme[];
const brief = (id: string, date: string, primary: string, status: 'ready' | 'draft' = 'ready'): Brief =>
  ({ id, date, themes: [primary], status, title: id, summary: 's', entities: [], corrections: [], source: { name: 'n' }, file: `${id}.md`, body: '', bodyLine: 1 }) as Brief;

describe('selectBriefs', () => {
  it('takes ready briefs dated on or before the date that no edition has, grouped by theme, newest first', () => {
    const briefs = [
      brief('os-old', '2026-11-01', 'open-source'),
      brief('ec', '2026-11-10', 'export-controls'),
      brief('os-new', '2026-11-12', 'open-source'),
      brief('safety-b', '2026-11-05', 'safety'),
      brief('safety-a', '2026-11-05', 'safety'),
      brief('draft', '2026-11-05', 'safety', 'draft'),
      brief('future', '2026-11-24', 'safety'),
      brief('published', '2026-11-02', 'safety'),
      brief('on-the-day', '2026-11-23', 'export-controls'),
    ];
    const chosen = selectBriefs(briefs, [{ briefs: ['published'] }], '2026-11-23', themes).map((b) => b.id);
    expect(chosen).toEqual(['safety-a', 'safety-b', 'os-new', 'os-old', 'on-the-day', 'ec']);
  });

  it('selects nothing when every ready brief is published or later', () => {
    expect(selectBriefs([brief('a', '2026-11-01', 'safety')], [{ briefs: ['a'] }], '2026-11-23', themes)).toEqual([]);
    expect(selectBriefs([brief('a', '2026-12-01', 'safety')], [], '2026-11-23', themes)).toEqual([]);
  });
});
