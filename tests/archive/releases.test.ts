/**
 * The archive swap (releases.ts): at every instant dist/ is a complete site.
 * A rebuild runs under strace with every rename(2) slowed to 0.3 s, which
 * would hold open any window between an old site going and a new one coming,
 * while the test looks at dist/ every few milliseconds; then builds are
 * killed with SIGKILL at points across their run, and the next build clears
 * what they left.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_MARKER } from '../../src/archive/build.js';
import { releasesDir } from '../../src/archive/releases.js';
import { CLI, tempProject, type TempProject } from '../helpers/project.js';
import { SAMPLE_BRIEFS, writeBulkBriefs } from './site.js';

let project: TempProject;
let dist: string;
beforeAll(() => {
  project = tempProject({ briefs: SAMPLE_BRIEFS });
  writeBulkBriefs(project, 120);
  dist = path.join(project.root, 'dist');
});
afterAll(() => project.cleanup());

/** `briefing build --no-search` as a child process, optionally under strace; resolves with its exit (code or signal). */
function build(options: { slowRenames?: boolean } = {}) {
  const node = [process.execPath, CLI, 'build', '--no-search'];
  const rename = 'rename,renameat,renameat2';
  const argv = options.slowRenames ? ['strace', '-f', '-qq', '-o', '/dev/null', '-e', `trace=${rename}`, '-e', `inject=${rename}:delay_exit=300000`, ...node] : node;
  const child = spawn(argv[0]!, argv.slice(1), { cwd: project.root, env: { ...process.env, BRIEFING_DATA_DIR: project.dataDir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done };
}

/** Whether dist/ is a whole site right now: its marker, its home page and a brief page. */
function whole(): boolean {
  try {
    return statSync(path.join(dist, BUILD_MARKER)).isFile() && readFileSync(path.join(dist, 'index.html'), 'utf8').includes('</html>') && existsSync(path.join(dist, 'briefs/bulk-001/index.html'));
  } catch {
    return false;
  }
}

describe('the archive swap', () => {
  it('never leaves dist/ without a whole site while a rebuild swaps it in, renames slowed by strace', { timeout: 180_000 }, async () => {
    expect((await build().done).code).toBe(0);
    expect(whole()).toBe(true);
    const before = readFileSync(path.join(dist, 'index.html'), 'utf8');
    project.writeBrief('just-added.md', readFileSync(path.join(project.briefsDir, 'bulk-002.md'), 'utf8').replace('Bulk brief number 2', 'Just added for the swap test'));

    const rebuild = build({ slowRenames: true });
    let looks = 0;
    let gaps = 0;
    let finished = false;
    void rebuild.done.then(() => (finished = true));
    while (!finished) {
      looks += 1;
      if (!whole()) gaps += 1;
      await new Promise((r) => setTimeout(r, 2));
    }
    const result = await rebuild.done;
    expect(result.code, result.stderr).toBe(0);
    expect(gaps).toBe(0);
    expect(looks).toBeGreaterThan(100);
    // The new site is the one served now.
    expect(readFileSync(path.join(dist, 'index.html'), 'utf8')).not.toBe(before);
    expect(existsSync(path.join(dist, 'briefs/just-added/index.html'))).toBe(true);
  });

  it('a build killed at any point leaves the last whole site; the next build clears what the killed ones left', { timeout: 240_000 }, async () => {
    for (const afterMs of [50, 300, 700, 1200, 1800, 2600]) {
      const { child, done } = build();
      await new Promise((r) => setTimeout(r, afterMs));
      child.kill('SIGKILL');
      await done;
      expect(whole(), `after a kill at ${afterMs} ms`).toBe(true);
    }
    expect((await build().done).code).toBe(0);
    expect(whole()).toBe(true);
    // Only the current release and the one before it remain (older ones go in the background).
    const releases = () => readdirSync(releasesDir(dist));
    for (let i = 0; i < 200 && releases().length > 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(releases().length).toBeLessThanOrEqual(2);
    expect(readdirSync(project.root).filter((n) => n.startsWith('.dist.link-') || n.startsWith('dist.'))).toEqual([]);
  });
});
