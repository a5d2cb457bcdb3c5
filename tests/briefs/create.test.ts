import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBrief, slugify, todayIn } from '../../src/briefs/create.js';
import { loadBriefs } from '../../src/briefs/load.js';
import { tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project?.cleanup());

describe('slugify', () => {
  it('makes a short lowercase slug', () => {
    expect(slugify('DeepSeek-R1: China’s “Sputnik moment”?')).toBe('deepseek-r1-china-s-sputnik-moment');
    expect(slugify('Über Qwen2.5 — das Modell')).toBe('uber-qwen2-5-das-modell');
    expect(slugify('a'.repeat(30) + ' ' + 'b'.repeat(40)).length).toBeLessThanOrEqual(60);
  });
});

describe('todayIn', () => {
  it('uses the configured time zone', () => {
    const instant = new Date('2026-11-23T02:00:00Z');
    expect(todayIn('America/New_York', instant)).toBe('2026-11-22');
    expect(todayIn('Asia/Shanghai', instant)).toBe('2026-11-23');
  });
});

describe('createBrief', () => {
  it('writes a draft that passes check', async () => {
    project = tempProject();
    const config = project.config();
    const file = await createBrief(config, { title: 'Qwen2.5 tops a leaderboard', themes: ['open-source', 'safety'], url: 'https://example.org/q', date: '2026-11-23' });
    expect(file).toMatch(/qwen2-5-tops-a-leaderboard\.md$/);
    const { briefs, problems } = await loadBriefs([project.briefsDir], config.themes);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(briefs[0]).toMatchObject({ status: 'draft', date: '2026-11-23', themes: ['open-source', 'safety'] });
  });

  it('refuses to overwrite an existing brief', async () => {
    project = tempProject();
    const config = project.config();
    const file = await createBrief(config, { title: 'Same title', themes: ['safety'] });
    const before = readFileSync(`${project.root}/briefs/same-title.md`, 'utf8');
    await expect(createBrief(config, { title: 'Same title', themes: ['open-source'] })).rejects.toMatchObject({ code: 'BRIEF_EXISTS' });
    expect(readFileSync(`${project.root}/briefs/same-title.md`, 'utf8')).toBe(before);
    expect(file).toBeTruthy();
  });

  it('refuses an id already used in a subfolder', async () => {
    project = tempProject();
    await createBrief(project.config(), { title: 'Nested one', themes: ['safety'] });
    project.writeBrief('2026/nested-two.md', readFileSync(`${project.root}/briefs/nested-one.md`, 'utf8'));
    await expect(createBrief(project.config(), { title: 'Nested two', themes: ['safety'] })).rejects.toMatchObject({ code: 'BRIEF_EXISTS' });
  });

  it('refuses an unknown theme before writing anything', async () => {
    project = tempProject();
    await expect(createBrief(project.config(), { title: 'Typo', themes: ['opensource'] })).rejects.toThrow(/did you mean 'open-source'/);
    const { files } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(files).toBe(0);
  });
});
