/**
 * The sample briefs are what a new user sees first: they must be valid,
 * ready, cover every default theme, and carry only facts their sources give.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBriefs } from '../../src/briefs/load.js';
import { loadConfig } from '../../src/config/load.js';
import { keyPoints } from '../../src/render/markdown.js';
import { ROOT } from '../helpers/project.js';

const config = loadConfig({ root: ROOT, env: {} });
const { briefs, problems, files } = await loadBriefs([config.briefsDir], config.themes);

/** The only source URL the articles give (SOURCES.md); any other URL would be invented. */
const KNOWN_SOURCE_URLS = ['https://www.gzeromedia.com/tag/china-artificial-intelligence'];

describe('sample briefs', () => {
  it('are four valid, ready briefs', () => {
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(files).toBe(4);
    expect(briefs.map((b) => b.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
  });

  it('cover all three themes, and most touch more than one', () => {
    const themes = new Set(briefs.flatMap((b) => b.themes));
    expect([...themes].sort()).toEqual(['export-controls', 'open-source', 'safety']);
    expect(briefs.filter((b) => b.themes.length > 1).length).toBeGreaterThanOrEqual(3);
  });

  it('each has a summary, why it matters and 3–6 key points', () => {
    for (const b of briefs) {
      expect(b.summary.length, b.id).toBeGreaterThan(40);
      expect(b.why_it_matters, b.id).toBeTruthy();
      const points = keyPoints(b.body);
      expect(points.length, b.id).toBeGreaterThanOrEqual(3);
      expect(points.length, b.id).toBeLessThanOrEqual(6);
    }
  });

  it('use the correct model names and no invented URL', () => {
    for (const b of briefs) {
      const text = readFileSync(path.join(ROOT, b.file), 'utf8');
      expect(text, b.id).not.toMatch(/Deep Seek R1|Quen 2\.5|Qwen 2\.5/);
      for (const url of text.match(/https?:\/\/[^\s)>\]"']+/g) ?? []) expect(KNOWN_SOURCE_URLS, b.id).toContain(url);
      expect(b.source.published, b.id).toBeUndefined();
    }
  });
});
