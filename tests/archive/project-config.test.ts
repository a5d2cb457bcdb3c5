import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { briefText, ROOT, tempProject, type TempProject } from '../helpers/project.js';
import { FIXTURE_BRIEFS, hasSearchIndex, page, SAMPLE_BRIEFS } from './site.js';

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
    expect(hasSearchIndex(dist)).toBe(true);
    expect(existsSync(path.join(dist, 'briefs/draft-brief'))).toBe(false);
    // Only templates/site is Eleventy input: no brief file became a page of its own.
    expect(existsSync(path.join(dist, 'briefs/multi-theme.html'))).toBe(false);
    expect(existsSync(path.join(dist, 'multi-theme'))).toBe(false);
  });

  it('reports invalid briefs while building', () => {
    expect(String(run.stderr) + String(run.stdout)).toMatch(/invalid-brief\.md:\d+:\d+/);
  });

  it('writes the theme accents from the config into the one stylesheet', () => {
    const name = readdirSync(path.join(project.root, 'dist/assets')).find((f) => /^site\.[0-9a-f]{10}\.css$/.test(f))!;
    const css = readFileSync(path.join(project.root, 'dist/assets', name), 'utf8');
    expect(css).toMatch(/\.t-safety \{ --accent: #[0-9a-f]{6}; \}/);
  });
});

describe('npm run dev (eleventy --serve)', () => {
  it('builds a brief written during the first build, in a project whose package.json is not "type": "module"', async () => {
    const dev = tempProject({ briefs: SAMPLE_BRIEFS });
    // The regression: Eleventy require()d .eleventy.js to watch it, and require() refused its top-level await.
    writeFileSync(path.join(dev.root, 'package.json'), JSON.stringify({ private: true }) + '\n');
    const port = await freePort();
    const child = spawn(process.execPath, [ELEVENTY, '--serve', `--port=${port}`, `--config=${path.join(ROOT, '.eleventy.js')}`], {
      cwd: dev.root,
      env: { ...process.env, NO_COLOR: '1', BRIEFING_DATA_DIR: dev.dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let exited = false;
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', () => (exited = true));
    const until = async (what: string, test: () => boolean) => {
      const start = Date.now();
      while (!test()) {
        if (exited || Date.now() - start > 60_000) throw new Error(`gave up waiting for ${what}:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      // Eleventy is writing pages: the briefs were read, and its watcher has not started yet.
      await until('the first build', () => output.includes('Writing'));
      dev.writeBrief('written-during-first-build.md', briefText({ title: 'Written while the dev server started' }));
      const page = path.join(dev.root, 'dist/briefs/written-during-first-build/index.html');
      await until('the new brief page', () => existsSync(page));
      expect(readFileSync(page, 'utf8')).toContain('Written while the dev server started');
      expect(output).not.toMatch(/Fatal Error/);
    } finally {
      if (child.pid && !exited) process.kill(-child.pid, 'SIGTERM');
      dev.cleanup();
    }
  }, 120_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
