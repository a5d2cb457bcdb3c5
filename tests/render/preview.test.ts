/**
 * `briefing preview` as a writer runs it: the real CLI, real files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempProject, type TempProject } from '../helpers/project.js';
import { SAMPLE_BRIEFS } from './edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('briefing preview (CLI)', () => {
  it('writes a variant for the chosen themes, prints the text part, and names bad input', () => {
    project = tempProject({ briefs: SAMPLE_BRIEFS });
    const cwd = project.root;
    expect(runCli(['preview', 'latest'], { cwd }).status).toBe(1);
    expect(runCli(['assemble', '--date', '2026-11-23'], { cwd }).status).toBe(0);

    const html = runCli(['preview', 'latest', '--themes', 'safety', '--out', 'out/preview.html'], { cwd });
    expect(html.status).toBe(0);
    expect(html.stdout.trim()).toBe('out/preview.html');
    expect(html.stderr).toMatch(/edition #1 \(safety\): "Test Briefing #1: [^"]+", [\d.]+ kB HTML of 90 kB/);
    const file = readFileSync(path.join(cwd, 'out/preview.html'), 'utf8');
    expect(file).toMatch(/id="theme-safety"/);
    expect(file).not.toMatch(/id="theme-open-source"|BRIEFING_PH_/);

    const text = runCli(['preview', '2026-11-23', '--text'], { cwd });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^TEST BRIEFING — Edition #1$/m);
    expect(text.stdout).toContain('EXPORT CONTROLS');

    const unknownTheme = runCli(['preview', 'latest', '--themes', 'astrology'], { cwd });
    expect(unknownTheme.status).toBe(2);
    expect(unknownTheme.stderr).toMatch(/--themes: unknown theme "[a-z]+"(; did you mean "[a-z-]+"\?)? \(themes: safety, open-source, export-controls\)/);
    // A brief of the edition broken after assembly: left out of the preview, and named.
    const brief = path.join(cwd, 'briefs', path.basename(SAMPLE_BRIEFS[0]!));
    writeFileSync(brief, readFileSync(brief, 'utf8').replace(/^themes:.*$/m, 'themes: [astrology]'));
    const broken = runCli(['preview', 'latest', '--text'], { cwd });
    expect(broken.status).toBe(0);
    const id = path.basename(brief, '.md');
    expect(broken.stderr).toMatch(new RegExp(`^briefs/${id}\\.md:\\d+:\\d+: unknown theme 'astrology'`, 'm'));
    expect(broken.stderr).toMatch(new RegExp(`^editions/2026-11-23\\.md:1:1: brief '${id}' is missing, invalid or not ready`, 'm'));
    expect(broken.stdout).not.toContain(readFileSync(brief, 'utf8').match(/^title: (.*)$/m)![1]!);
    const missing = runCli(['preview', '2020-01-01'], { cwd });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no edition "2020-01-01" \(recent: 2026-11-23\)/);
  });
});
