/**
 * loadEdition: one edition with only its own briefs read (send and preview),
 * and the same answers about those briefs as loadPublished gives.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadEdition, loadPublished } from '../../src/editions/published.js';
import { writeEdition } from '../../src/editions/store.js';
import { formatProblem } from '../../src/problems.js';
import { displayPath } from '../../src/paths.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

/** How problems name a file of the project: from the working folder, or absolute (temp projects are). */
const shown = (relative: string) => displayPath(path.join(project!.root, relative));
const escaped = (relative: string) => shown(relative).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const brief = (title: string, themes: string[], date: string) =>
  briefText({ title, themes, date, source: { name: 'Example News', url: `https://example.org/${date}` } });

async function twoEditions(): Promise<TempProject> {
  const p = tempProject();
  p.writeBrief('old-news.md', brief('Old news', ['safety'], '2026-11-10'));
  p.writeBrief('open-weights.md', brief('Open weights', ['open-source'], '2026-11-20'));
  p.writeBrief('chip-rules.md', brief('Chip rules', ['export-controls'], '2026-11-21'));
  await writeEdition(p.editionsDir, { number: 1, date: '2026-11-16', briefs: ['old-news'], note: '' });
  await writeEdition(p.editionsDir, { number: 2, date: '2026-11-23', briefs: ['chip-rules', 'open-weights'], note: '' });
  return p;
}

describe('loadEdition', () => {
  it('finds an edition by date, number or latest, with its briefs in order and grouped by theme', async () => {
    project = await twoEditions();
    const config = project.config();
    for (const wanted of ['2026-11-23', '2', 'latest']) {
      const { edition, problems } = await loadEdition(config, wanted);
      expect(edition.id).toBe('2026-11-23');
      expect(edition.items.map((b) => b.id)).toEqual(['chip-rules', 'open-weights']);
      expect(edition.sections.map((s) => s.theme.slug)).toEqual(['open-source', 'export-controls']);
      expect(problems).toEqual([]);
    }
    expect((await loadEdition(config, '1')).edition.items.map((b) => b.id)).toEqual(['old-news']);
  });

  it('reads only the edition’s own briefs: a broken brief elsewhere is no problem of this edition', async () => {
    project = await twoEditions();
    project.writeBrief('drafts-elsewhere/half-written.md', '---\ntitle: [unclosed\n---\n');
    const config = project.config();
    // The whole project does see it, so the file is broken enough to be noticed when read.
    expect((await loadPublished(config)).problems.map(formatProblem).join('\n')).toMatch(new RegExp(`${escaped('briefs/drafts-elsewhere/half-written.md')}:\\d+:\\d+: `));
    const { edition, problems } = await loadEdition(config, 'latest');
    expect(edition.items).toHaveLength(2);
    expect(problems).toEqual([]);
  });

  it('names a broken brief of the edition by path:line:col and leaves it out, with an error on the edition', async () => {
    project = await twoEditions();
    project.writeBrief('chip-rules.md', brief('Chip rules', ['chips'], '2026-11-21'));
    const { edition, problems } = await loadEdition(project.config(), 'latest');
    expect(edition.items.map((b) => b.id)).toEqual(['open-weights']);
    const lines = problems.map(formatProblem);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${escaped('briefs/chip-rules.md')}:\\d+:\\d+: .*unknown theme 'chips'`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${escaped('editions/2026-11-23.md')}:1:1: .*brief 'chip-rules' is missing, invalid or not ready`)));
  });

  it('rejects two files with the edition brief’s id in different folders, as loading every brief would', async () => {
    project = await twoEditions();
    project.writeBrief('2026/open-weights.md', brief('Open weights again', ['open-source'], '2026-11-19'));
    const config = project.config();
    const { edition, problems } = await loadEdition(config, 'latest');
    expect(edition.items.map((b) => b.id)).toEqual(['chip-rules']);
    const codes = problems.map((p) => `${p.file} ${p.code}`);
    expect(codes).toEqual([`${shown('briefs/2026/open-weights.md')} duplicate-id`, `${shown('briefs/open-weights.md')} duplicate-id`, `${shown('editions/2026-11-23.md')} missing-brief`]);
    const all = await loadPublished(config);
    expect(all.editions.at(-1)!.items.map((b) => b.id)).toEqual(edition.items.map((b) => b.id));
  });

  it('says so when briefs/ itself is missing, besides each brief the edition lacks', async () => {
    project = await twoEditions();
    rmSync(project.briefsDir, { recursive: true });
    const { edition, problems } = await loadEdition(project.config(), 'latest');
    expect(edition.items).toEqual([]);
    expect(problems.map((p) => `${p.file} ${p.code}`)).toEqual([`${shown('briefs')} not-found`, `${shown('editions/2026-11-23.md')} missing-brief`, `${shown('editions/2026-11-23.md')} missing-brief`]);
  });

  it('says which editions exist when the wanted one does not', async () => {
    project = await twoEditions();
    await expect(loadEdition(project.config(), '2020-01-01')).rejects.toMatchObject({
      code: 'EDITION_NOT_FOUND',
      message: 'no edition "2020-01-01" (recent: 2026-11-16, 2026-11-23)',
    });
    const empty = tempProject();
    try {
      await expect(loadEdition(empty.config(), 'latest')).rejects.toMatchObject({ code: 'EDITION_NOT_FOUND', message: expect.stringMatching(/there is no edition yet/) });
    } finally {
      empty.cleanup();
    }
  });

  it('regression: an unreadable newest edition file is an error, not a reason for latest to pick the one before', async () => {
    project = await twoEditions();
    writeFileSync(path.join(project.editionsDir, '2026-11-30.md'), '---\nnumber: 3\ndate: 2026-11-30\nbriefs: [chip-rules\n---\n');
    const config = project.config();
    for (const wanted of ['latest', '2026-11-30']) {
      await expect(loadEdition(config, wanted)).rejects.toMatchObject({
        code: 'EDITION_INVALID',
        file: shown('editions/2026-11-30.md'),
        message: expect.stringMatching(new RegExp(`^edition 2026-11-30 cannot be read; fix it first:\\n${escaped('editions/2026-11-30.md')}:\\d+:\\d+: `)),
      });
    }
    // An older edition is still there to send or preview.
    expect((await loadEdition(config, '2026-11-23')).edition.number).toBe(2);
  });
});
