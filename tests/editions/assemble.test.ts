/**
 * `briefing assemble`: the library function and the real CLI. The edition
 * file is the record; a date never gets a second edition.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDir } from '../../src/cache.js';
import { assembleEdition } from '../../src/editions/assemble.js';
import { loadEditions, markEditionSent } from '../../src/editions/store.js';
import { runCli } from '../helpers/cli.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { SAMPLE_BRIEFS } from '../render/edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('assembleEdition', () => {
  it('assembles the sample briefs into edition 1, grouped by primary theme in configured order', async () => {
    project = tempProject({ briefs: SAMPLE_BRIEFS });
    const result = await assembleEdition(project.config(), { date: '2026-11-23' });
    expect(result.status).toBe('written');
    expect(result.edition).toMatchObject({ number: 1, date: '2026-11-23', id: '2026-11-23' });
    expect(result.edition!.briefs).toEqual([
      'khosla-lecun-open-source-national-security',
      'baai-warns-china-falling-behind',
      'china-open-weight-models-challenge-us',
      'schmidt-china-gap-deepseek-r1-qwen',
    ]);
    const file = readFileSync(path.join(project.editionsDir, '2026-11-23.md'), 'utf8');
    expect(file).toMatch(/^---\nnumber: 1\ndate: 2026-11-23\nbriefs:\n  - khosla-lecun-open-source-national-security\n/);
    const { editions, problems } = await loadEditions(project.editionsDir);
    expect(problems).toEqual([]);
    expect(editions.map((e) => e.briefs)).toEqual([result.edition!.briefs]);
  });

  it('never makes a second edition for one date, and never reuses a brief; a draft takes the briefs written since', async () => {
    project = tempProject();
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20' }));
    const config = project.config();
    expect((await assembleEdition(config, { date: '2026-11-23' })).status).toBe('written');
    project.writeBrief('b.md', briefText({ title: 'B', date: '2026-11-21' }));
    // Regression: a second assemble for the day answered "already exists", and the new brief never got in.
    const again = await assembleEdition(config, { date: '2026-11-23' });
    expect(again).toMatchObject({ status: 'updated', added: ['b'], removed: [], edition: { number: 1, briefs: ['a', 'b'] } });
    expect((await assembleEdition(config, { date: '2026-11-23' })).status).toBe('unchanged');
    expect(readdirSync(project.editionsDir)).toEqual(['2026-11-23.md']);

    project.writeBrief('c.md', briefText({ title: 'C', date: '2026-11-22' }));
    const next = await assembleEdition(config, { date: '2026-11-30', subject: 'Special issue' });
    expect(next).toMatchObject({ status: 'written', edition: { number: 2, briefs: ['c'], subject: 'Special issue' } });
    expect((await assembleEdition(config, { date: '2026-12-07' })).status).toBe('nothing');
    expect(readdirSync(project.editionsDir)).toEqual(['2026-11-23.md', '2026-11-30.md']);
  });

  it('a sent edition is frozen: by its sent_at, or by the delivery log', async () => {
    project = tempProject();
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20' }));
    const config = project.config();
    const written = await assembleEdition(config, { date: '2026-11-23' });
    await markEditionSent(written.file!, new Date('2026-11-23T07:00:00Z'));
    project.writeBrief('b.md', briefText({ title: 'B', date: '2026-11-21' }));
    expect(await assembleEdition(config, { date: '2026-11-23' })).toMatchObject({ status: 'exists', edition: { briefs: ['a'], sent_at: '2026-11-23T07:00:00.000Z' } });

    const other = await assembleEdition(config, { date: '2026-11-30' });
    project.writeBrief('c.md', briefText({ title: 'C', date: '2026-11-22' }));
    expect(await assembleEdition(config, { date: '2026-11-30', sentBefore: (id) => id === other.edition!.id })).toMatchObject({ status: 'exists', edition: { briefs: ['b'] } });
  });

  it('markEditionSent adds sent_at once, and leaves the note and the rest of the file as written', async () => {
    project = tempProject();
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20' }));
    const written = await assembleEdition(project.config(), { date: '2026-11-23' });
    const file = written.file!;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/---\n$/, '---\n\n# A note, *as the editor wrote it*\n'));
    const before = readFileSync(file, 'utf8');
    await markEditionSent(file, new Date('2026-11-23T07:00:00Z'));
    await markEditionSent(file, new Date('2026-11-24T07:00:00Z'));
    const after = readFileSync(file, 'utf8');
    expect(after).toBe(before.replace(/\n---\n/, '\nsent_at: "2026-11-23T07:00:00.000Z"\n---\n'));
  });

  it('--rebuild chooses a draft\'s briefs again: a brief made a draft again goes out', async () => {
    project = tempProject();
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20' }));
    project.writeBrief('b.md', briefText({ title: 'B', date: '2026-11-21' }));
    const config = project.config();
    await assembleEdition(config, { date: '2026-11-23' });
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20', status: 'draft' }));
    expect(await assembleEdition(config, { date: '2026-11-23' })).toMatchObject({ status: 'unchanged' });
    expect(await assembleEdition(config, { date: '2026-11-23', rebuild: true })).toMatchObject({ status: 'updated', removed: ['a'], edition: { briefs: ['b'] } });
  });

  it('reads briefs through the brief memo, and sees a brief edited since the last run', async () => {
    project = tempProject();
    const config = project.config();
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20', status: 'draft' }));
    expect((await assembleEdition(config, { date: '2026-11-23' })).status).toBe('nothing');
    // Kept for the next run (and shared with build), so a weekly run parses only what changed.
    expect(existsSync(path.join(cacheDir(config, 'memo'), 'briefs.bin'))).toBe(true);
    project.writeBrief('a.md', briefText({ title: 'A', date: '2026-11-20' }));
    expect(await assembleEdition(config, { date: '2026-11-23' })).toMatchObject({ status: 'written', edition: { briefs: ['a'] } });
  });

  it('leaves out drafts, later briefs and invalid ones, and reports the invalid', async () => {
    project = tempProject();
    project.writeBrief('draft.md', briefText({ status: 'draft' }));
    project.writeBrief('later.md', briefText({ date: '2026-12-01' }));
    project.writeBrief('broken.md', briefText({ themes: ['astrology'] }));
    const result = await assembleEdition(project.config(), { date: '2026-11-23' });
    expect(result.status).toBe('nothing');
    expect(result.problems.map((p) => path.basename(p.file))).toContain('broken.md');
    expect(readdirSync(project.root)).not.toContain('editions');
  });

  it('refuses to assemble while an edition file is broken, or before a later edition', async () => {
    project = tempProject();
    project.writeBrief('a.md', briefText());
    const config = project.config();
    expect((await assembleEdition(config, { date: '2026-11-23' })).status).toBe('written');
    project.writeBrief('b.md', briefText({ title: 'B', date: '2026-11-01' }));
    await expect(assembleEdition(config, { date: '2026-11-10' })).rejects.toMatchObject({ code: 'EDITION_INVALID' });
    writeFileSync(path.join(project.editionsDir, '2026-11-30.md'), '---\nnumber: one\n---\n');
    await expect(assembleEdition(config, { date: '2026-12-07' })).rejects.toMatchObject({ code: 'EDITION_INVALID' });
  });

  it('defaults the date to today in the schedule time zone', async () => {
    project = tempProject();
    project.writeBrief('a.md', briefText({ date: '2026-11-20' }));
    // 23:30 UTC on the 22nd is already the 23rd in Berlin (the test config's zone).
    const result = await assembleEdition(project.config(), { now: new Date('2026-11-22T23:30:00Z') });
    expect(result).toMatchObject({ status: 'written', date: '2026-11-23' });
  });
});

describe('briefing assemble (CLI)', () => {
  it('writes one edition when run twice for one date, and says so', () => {
    project = tempProject();
    project.writeBrief('a.md', briefText({ date: '2026-11-20' }));
    const first = runCli(['assemble', '--date', '2026-11-23'], { cwd: project.root });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^editions\/2026-11-23\.md: edition #1 of 2026-11-23 with 1 brief$/m);
    const second = runCli(['assemble', '--date', '2026-11-23'], { cwd: project.root });
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/draft edition #1 of 2026-11-23 already has every ready brief; nothing written/);
    expect(readdirSync(project.editionsDir)).toEqual(['2026-11-23.md']);
    const none = runCli(['assemble', '--date', '2026-11-30'], { cwd: project.root });
    expect(none.status).toBe(0);
    expect(none.stdout).toMatch(/nothing to assemble/);
    expect(readdirSync(project.editionsDir)).toEqual(['2026-11-23.md']);
    expect(runCli(['assemble', '--date', '23/11/2026'], { cwd: project.root }).status).toBe(2);
  });
});
