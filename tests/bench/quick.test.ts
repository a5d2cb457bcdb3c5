/**
 * The benchmark must not rot: `npm run bench -- --quick` runs every
 * measurement end to end on a small corpus against the real parts (Eleventy,
 * the archive build, MJML, SQLite, an SMTP sink). No timing is asserted:
 * only that it finishes, prints its table and writes every figure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/project.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runQuick(out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // The same entry as `npm run bench`, without npm in between.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/run.ts'), '--quick', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick', () => {
  it('measures every row, prints the table and writes the results file', { timeout: 900_000 }, async () => {
    const out = path.join(dir, 'results.json');
    const { code, stdout, stderr } = await runQuick(out);
    expect(code, stderr.slice(-4000)).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(stdout).toMatch(/\| measurement +\| Briefing +\| baseline +\| ratio +\| target +\| pass\? \|/);

    const results = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & {
      mode: string;
      machine: Record<string, unknown>;
      rows: { measurement: string; briefing: { text?: string }; baseline: { text?: string } }[];
    };
    expect(results.mode).toBe('quick');
    for (const key of [
      'archive_pages_vs_eleventy',
      'archive_with_search_vs_eleventy',
      'archive_pages_rebuild_vs_eleventy',
      'archive_with_search_rebuild_vs_eleventy',
      'send_vs_sink',
      'send_vs_naive_nodemailer',
    ]) {
      expect(results[key], key).toBeTypeOf('number');
      expect(Number.isFinite(results[key]) && (results[key] as number) > 0, key).toBe(true);
    }
    expect(results.machine).toMatchObject({ os: expect.any(String), cpus: expect.any(Number), node: process.version });

    // Every measurement produced a figure: none is "n/a" or "failed".
    const measured = results.rows.map((r) => r.measurement).join('\n');
    for (const what of ['fresh clone (no .cache)', 'weekly rebuild (.cache kept, 1 new brief)', 'rebuild after adding 1 brief', 'MJML render', 'personalized messages', 'send', 'load and check', 'static pages p99 while importing']) {
      expect(measured).toContain(what);
    }
    for (const row of results.rows) {
      expect(row.briefing.text ?? '', row.measurement).not.toMatch(/n\/a|failed/);
      expect(row.baseline.text ?? '', row.measurement).not.toMatch(/n\/a|failed/);
    }
  });
});
