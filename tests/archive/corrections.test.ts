/**
 * Corrections: a brief edited after its edition went out says so. Its
 * `corrections:` appear on its page and move its Atom entry's `updated`; the
 * next edition lists them to the readers of that brief's themes, in the HTML
 * and the text part; a correction dated before the brief is an error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterEach, describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/archive/build.js';
import { loadBriefs } from '../../src/briefs/load.js';
import { loadEdition } from '../../src/editions/published.js';
import { writeEdition } from '../../src/editions/store.js';
import { renderEmailVariant } from '../../src/render/email.js';
import { formatProblem } from '../../src/problems.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { recordingLogger } from './site.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

const corrected = (corrections: Array<{ date: string; text: string }>) =>
  briefText({ title: 'Chip rules tighten', date: '2026-11-10', themes: ['export-controls'], source: { name: 'Wire', url: 'https://example.org/chips' }, corrections });

async function twoEditions(corrections: Array<{ date: string; text: string }>): Promise<TempProject> {
  const p = tempProject();
  p.writeBrief('chip-rules.md', corrected(corrections));
  p.writeBrief('safety-news.md', briefText({ title: 'Safety news', date: '2026-11-20', themes: ['safety'], source: { name: 'Wire', url: 'https://example.org/safety' } }));
  p.writeBrief('more-chips.md', briefText({ title: 'More chips news', date: '2026-11-21', themes: ['export-controls'], source: { name: 'Wire', url: 'https://example.org/more-chips' } }));
  await writeEdition(p.editionsDir, { number: 1, date: '2026-11-16', briefs: ['chip-rules'], sent_at: '2026-11-16T07:00:00.000Z', note: '' });
  await writeEdition(p.editionsDir, { number: 2, date: '2026-11-23', briefs: ['safety-news', 'more-chips'], note: '' });
  return p;
}

describe('corrections', () => {
  it('appear on the brief page, and the Atom entry is updated on the last correction’s date', async () => {
    project = await twoEditions([
      { date: '2026-11-17', text: 'The rules take effect in January, not March.' },
      { date: '2026-11-19', text: 'Corrected the name of the ministry.' },
    ]);
    const outDir = path.join(project.root, 'dist');
    await buildArchive(project.config(), { outDir, log: recordingLogger([]), search: false });
    const { document } = parseHTML(readFileSync(path.join(outDir, 'briefs/chip-rules/index.html'), 'utf8'));
    expect(document.querySelector('.dateline a[href="#corrections-h"]')?.textContent).toBe('Corrected November 19, 2026');
    expect(Array.from(document.querySelectorAll('.corrections li')).map((li) => li.textContent)).toEqual([
      'November 17, 2026: The rules take effect in January, not March.',
      'November 19, 2026: Corrected the name of the ministry.',
    ]);

    const feed = parseHTML(readFileSync(path.join(outDir, 'feed.xml'), 'utf8')).document;
    const entry = Array.from(feed.querySelectorAll('entry')).find((e) => e.querySelector('title')?.textContent === 'Chip rules tighten')!;
    expect(entry.querySelector('published')?.textContent).toBe('2026-11-10T00:00:00Z');
    expect(entry.querySelector('updated')?.textContent).toBe('2026-11-19T00:00:00Z');
    expect(entry.querySelector('content')?.textContent).toContain('Corrected the name of the ministry.');
    const themeFeed = parseHTML(readFileSync(path.join(outDir, 'themes/export-controls/feed.xml'), 'utf8')).document;
    expect(themeFeed.querySelector('feed > updated')?.textContent).toBe('2026-11-21T00:00:00Z');
  });

  it('the next edition lists them to the readers of the brief’s themes, once, in the HTML and the text part', async () => {
    project = await twoEditions([
      { date: '2026-11-12', text: 'Before the edition went out: not news to anyone.' },
      { date: '2026-11-18', text: 'The rules take effect in January, not March.' },
      { date: '2026-11-23', text: 'Made on the day of edition 2: listed by edition 3.' },
    ]);
    const config = project.config();
    const { edition } = await loadEdition(config, '2026-11-23');
    expect(edition.corrections.map((c) => c.text)).toEqual(['The rules take effect in January, not March.']);

    const chips = await renderEmailVariant(config, edition, ['export-controls']);
    const html = parseHTML(chips.html).document;
    const list = Array.from(html.querySelectorAll('h2')).find((h) => h.textContent === 'Corrections')!.parentElement!;
    expect(list.textContent?.replace(/\s+/g, ' ')).toContain('Chip rules tighten (November 18, 2026): The rules take effect in January, not March.');
    expect(list.querySelector('a')?.getAttribute('href')).toBe('https://briefing.test/briefs/chip-rules/');
    expect(chips.text).toMatch(/CORRECTIONS\n\n {2}- Chip rules tighten \[\d+\] \(November 18, 2026\): The rules take effect in\n {4}January, not March\./);

    const safetyOnly = await renderEmailVariant(config, edition, ['safety']);
    expect(safetyOnly.html).not.toContain('Corrections');
    expect(safetyOnly.text).not.toContain('CORRECTIONS');
  });

  it('a correction dated before the brief is an error at its line', async () => {
    project = tempProject();
    const file = project.writeBrief('chip-rules.md', corrected([{ date: '2026-11-01', text: 'A typo in the date.' }]));
    const { problems } = await loadBriefs([file], project.config().themes);
    expect(problems.map(formatProblem)).toEqual([expect.stringMatching(/chip-rules\.md:\d+:\d+: correction dated 2026-11-01, before the brief itself \(2026-11-10\)$/)]);
  });
});
