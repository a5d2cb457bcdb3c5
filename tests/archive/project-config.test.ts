import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempProject, type TempProject } from '../helpers/project.js';
import { FIXTURE_BRIEFS, page, SAMPLE_BRIEFS } from './site.js';

// Plain Eleventy (`npx @11ty/eleventy`, what `npm run dev` serves) with the root .eleventy.js.
const ELEVENTY = path.join(ROOT, 'node_modules/@11ty/eleventy/cmd.cjs');
let project: TempProject;
let run: ReturnType<typeof spawnSync>;

beforeAll(() => {
  project = tempProject({ briefs: [...SAMPLE_BRIEFS, ...FIXTURE_BRIEFS] });
  run = spawnSync(process.execPath, [ELEVENTY, `--config=${path.join(ROOT, '.eleventy.js')}`], {
    cwd: project.root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
});
afterAll(() => project?.cleanup());

describe('.eleventy.js', () => {
  it('builds the same site with plain Eleventy: pages, feeds and the search index in dist/', () => {
    expect(run.status, String(run.stderr)).toBe(0);
    const dist = path.join(project.root, 'dist');
    expect(page(dist, '/briefs/multi-theme/').querySelector('h1')?.textContent).toBe('Chip rules, open weights and safety in one deal');
    expect(page(dist, '/briefs/template-syntax/').querySelector('h1')?.textContent).toBe('Template syntax {{ 7*7 }} shows literally');
    expect(existsSync(path.join(dist, 'feed.xml'))).toBe(true);
    expect(existsSync(path.join(dist, 'pagefind/pagefind.js'))).toBe(true);
    expect(existsSync(path.join(dist, 'briefs/draft-brief'))).toBe(false);
    // Only templates/site is Eleventy input: no brief file became a page of its own.
    expect(existsSync(path.join(dist, 'briefs/multi-theme.html'))).toBe(false);
    expect(existsSync(path.join(dist, 'multi-theme'))).toBe(false);
  });

  it('reports invalid briefs while building', () => {
    expect(String(run.stderr) + String(run.stdout)).toMatch(/invalid-brief\.md:\d+:\d+/);
  });

  it('writes the theme accents from the config into the one stylesheet', () => {
    const css = readFileSync(path.join(project.root, 'dist/assets/site.css'), 'utf8');
    expect(css).toMatch(/\.t-safety \{ --accent: #[0-9a-f]{6}; \}/);
  });
});
