import { statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBriefs, loadProjectBriefs } from '../../src/briefs/load.js';
import { cacheDir } from '../../src/cache.js';
import type { Config } from '../../src/config/schema.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project?.cleanup());

describe('loadBriefs', () => {
  it('returns every good brief plus the errors of the bad ones', async () => {
    project = tempProject();
    project.writeBrief('one.md', briefText({ title: 'One', date: '2026-11-01' }));
    project.writeBrief('nested/two.md', briefText({ title: 'Two', date: '2026-11-03', source: { name: 'X', url: 'https://example.org/2' } }));
    project.writeBrief('bad.md', briefText({ themes: ['opensource'] }));
    project.writeBrief('worse.md', '---\ntitle: [unclosed\n---\n');
    const { briefs, problems, files } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(files).toBe(4);
    expect(briefs.map((b) => b.id)).toEqual(['two', 'one']); // newest first
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => p.file.split('/').pop())).toEqual(['bad.md', 'worse.md']);
  });

  it('accepts a single theme string as a list of one', async () => {
    project = tempProject();
    project.writeBrief('single.md', briefText({ themes: 'safety' }));
    const { briefs } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(briefs[0]!.themes).toEqual(['safety']);
  });

  it('reports duplicate ids across subfolders and leaves both out', async () => {
    project = tempProject();
    project.writeBrief('a/same.md', briefText({ source: { name: 'A', url: 'https://example.org/a' } }));
    project.writeBrief('b/same.md', briefText({ source: { name: 'B', url: 'https://example.org/b' } }));
    const { briefs, problems } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(briefs).toHaveLength(0);
    expect(problems.filter((p) => p.code === 'duplicate-id')).toHaveLength(2);
    expect(problems[0]!.message).toMatch(/duplicate id 'same': also used by .*b\/same\.md/);
  });

  it('warns when two briefs cite the same source URL', async () => {
    project = tempProject();
    project.writeBrief('first.md', briefText({ source: { name: 'A', url: 'https://example.org/story#top' } }));
    project.writeBrief('second.md', briefText({ source: { name: 'A', url: 'https://example.org/story' } }));
    const { briefs, problems } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(briefs).toHaveLength(2);
    expect(problems.filter((p) => p.code === 'duplicate-source').map((p) => p.severity)).toEqual(['warning', 'warning']);
  });

  it('warns, without failing, on a missing source URL and a summary too long for a preheader', async () => {
    project = tempProject();
    project.writeBrief('warned.md', briefText({ source: { name: 'A' }, summary: 'x'.repeat(250) }));
    const { briefs, problems } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(briefs).toHaveLength(1);
    expect(problems.map((p) => [p.severity, p.code])).toEqual([
      ['warning', 'no-source-url'],
      ['warning', 'long-summary'],
    ]);
  });

  it('points schema errors at the offending key in the file', async () => {
    project = tempProject();
    project.writeBrief(
      'fields.md',
      briefText({ source: { name: 'A', url: 'javascript:alert(1)' }, status: 'published', summary: 's'.repeat(301) }),
    );
    const { problems } = await loadBriefs([project.briefsDir], project.config().themes);
    const byMessage = Object.fromEntries(problems.map((p) => [p.message, [p.line, p.col]]));
    expect(byMessage['source.url must be an absolute http:// or https:// URL']).toEqual([9, 3]);
    expect(byMessage['status must be "draft" or "ready"']).toEqual([14, 1]);
    expect(byMessage['summary is 301 characters; the limit is 300']).toEqual([10, 1]);
  });

  it('ignores READMEs, dotfiles and underscore folders in briefs/', async () => {
    project = tempProject();
    project.writeBrief('README.md', '# How to write briefs\n');
    project.writeBrief('.hidden.md', 'nope');
    project.writeBrief('_templates/t.md', 'nope');
    project.writeBrief('real.md', briefText());
    const { briefs, files } = await loadBriefs([project.briefsDir], project.config().themes);
    expect(files).toBe(1);
    expect(briefs.map((b) => b.id)).toEqual(['real']);
  });

  it('reports a path that does not exist', async () => {
    project = tempProject();
    const { problems } = await loadBriefs([`${project.root}/nope`], project.config().themes);
    expect(problems[0]).toMatchObject({ severity: 'error', code: 'not-found', line: 1, col: 1 });
  });
});

describe('loadBriefs with the build’s memo (openBriefMemo)', () => {
  const memoFile = () => path.join(cacheDir(project.config(), 'memo'), 'briefs.bin');
  /** One run as `assemble`, `send` and the schedule make it (`build` does the same in two steps). */
  const load = (config: Config) => loadProjectBriefs(config);

  function mixedProject(): TempProject {
    const p = tempProject();
    p.writeBrief('one.md', briefText({ title: 'One', date: '2026-11-01', source: { name: 'A', url: 'https://example.org/same' } }));
    p.writeBrief('two.md', briefText({ title: 'Two', date: '2026-11-03', source: { name: 'B', url: 'https://example.org/same' } }));
    p.writeBrief('a/dup.md', briefText({ source: { name: 'C', url: 'https://example.org/c' } }));
    p.writeBrief('b/dup.md', briefText({ source: { name: 'D', url: 'https://example.org/d' } }));
    p.writeBrief('bad.md', briefText({ themes: ['opensource'] }));
    p.writeBrief('worse.md', '---\ntitle: [unclosed\n---\n');
    p.writeBrief('warned.md', briefText({ source: { name: 'E' } }));
    return p;
  }

  it('gives exactly what loading without it gives, the second time from the memo', async () => {
    project = mixedProject();
    const config = project.config();
    const plain = await loadBriefs([project.briefsDir], config.themes);
    const first = await load(config);
    const stored = statSync(memoFile()).ino;
    const second = await load(config);
    expect(first).toEqual(plain);
    expect(second).toEqual(plain);
    // Cross-file checks still run on remembered briefs.
    expect(second.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['duplicate-id', 'duplicate-source', 'unknown-theme', 'no-source-url']));
    // Nothing was parsed again: the memo had nothing new to save.
    expect(statSync(memoFile()).ino).toBe(stored);
  });

  it('checks a brief edited since the last run again', async () => {
    project = tempProject();
    const config = project.config();
    project.writeBrief('edited.md', briefText({ title: 'Before' }));
    await load(config);
    project.writeBrief('edited.md', briefText({ title: 'After' }));
    const renamed = await load(config);
    expect(renamed.briefs.map((b) => b.title)).toEqual(['After']);
    project.writeBrief('edited.md', briefText({ themes: ['opensource'] }));
    const broken = await load(config);
    expect(broken.briefs).toEqual([]);
    expect(broken.problems.map((p) => p.code)).toEqual(['unknown-theme']);
  });

  it('checks every brief again when the configured themes change', async () => {
    project = tempProject();
    const config = project.config();
    project.writeBrief('both.md', briefText({ themes: ['open-source', 'safety'] }));
    expect((await load(config)).briefs).toHaveLength(1);
    const fewer = { ...config, themes: config.themes.filter((t) => t.slug !== 'safety') };
    const after = await load(fewer);
    expect(after.briefs).toEqual([]);
    expect(after.problems.map((p) => p.code)).toEqual(['unknown-theme']);
  });
});
