/**
 * `briefing check` as a writer runs it: a child process, real files, exit
 * codes and the exact line format editors can jump to.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, ROOT, briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project?.cleanup());

const hostile = path.join(FIXTURES, 'briefs/hostile');
const LINE = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?<message>.+)$/;

describe('briefing check', () => {
  it('prints every problem as path:line:col: message, no stack trace, and exits 1', () => {
    const result = runCli(['check', hostile], { cwd: ROOT });
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(18);
    for (const line of lines) expect(line).toMatch(LINE);
    const files = new Set(lines.map((l) => path.basename(LINE.exec(l)!.groups!.file!)));
    // Every broken fixture is named; the ones a writer expects to work are not.
    for (const name of ['alias-bomb.md', 'empty.md', 'five-megabytes.md', 'invalid-utf8.md', 'js-engine.md', 'tab-indent.md']) {
      expect(files).toContain(name);
    }
    expect(files).not.toContain('crlf.md');
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr).toMatch(/18 briefs checked: 3 valid, \d+ errors/);
  });

  it('exits 0 when every brief is valid, even with warnings', () => {
    project = tempProject();
    project.writeBrief('no-url.md', briefText({ source: { name: 'Somewhere' } }));
    const result = runCli(['check'], { cwd: project.root });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^briefs\/no-url\.md:\d+:\d+: warning: source has no url/m);
  });

  it('checks the sample briefs of a clean clone', () => {
    const result = runCli(['check'], { cwd: ROOT });
    expect(result.stderr).toMatch(/4 briefs checked: 4 valid, 0 errors/);
    expect(result.status).toBe(0);
  });

  it('exits 2 on a usage error and 0 for --help of every command', () => {
    expect(runCli(['chek'], { cwd: ROOT }).status).toBe(2);
    expect(runCli(['new'], { cwd: ROOT }).status).toBe(2);
    expect(runCli(['check', '--no-such-flag'], { cwd: ROOT }).status).toBe(2);
    const help = runCli(['--help'], { cwd: ROOT });
    expect(help.status).toBe(0);
    const commands = [...help.stdout.matchAll(/^  ([a-z-]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['new', 'check']));
    for (const command of commands) expect(runCli([command, '--help'], { cwd: ROOT }).status).toBe(0);
  });

  it('names a missing config instead of crashing', () => {
    project = tempProject();
    const result = runCli(['check', '--config', 'missing.yml'], { cwd: project.root });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/missing\.yml: no such config file \(given with --config\)/);
  });

  it('writes a new brief that the next check accepts', () => {
    project = tempProject();
    const created = runCli(['new', 'Export rules tighten', '--theme', 'export-controls', '--source-name', 'Wire'], { cwd: project.root });
    expect(created.status).toBe(0);
    expect(created.stdout.trim()).toBe(path.join('briefs', 'export-rules-tighten.md'));
    // A new writer is told the step that was missing: a draft never reaches an edition.
    expect(created.stderr).toMatch(/set status: ready, then run briefing check briefs\/export-rules-tighten\.md and briefing assemble/);
    expect(runCli(['check'], { cwd: project.root }).status).toBe(0);
    expect(runCli(['new', 'Export rules tighten', '--theme', 'safety'], { cwd: project.root }).status).toBe(1);
  });
});

describe('memory on hostile briefs', () => {
  it('stays within a few tens of MB for each fixture', () => {
    // Peak RSS growth while loading one fixture, measured in a fresh process.
    const script = `
      const { loadBriefs } = await import(${JSON.stringify(path.join(ROOT, 'src/briefs/load.ts'))});
      const { DEFAULT_THEMES } = await import(${JSON.stringify(path.join(ROOT, 'src/config/schema.ts'))});
      await loadBriefs([${JSON.stringify(path.join(hostile, 'crlf.md'))}], DEFAULT_THEMES);
      const before = process.resourceUsage().maxRSS;
      await loadBriefs([process.argv[1]], DEFAULT_THEMES);
      console.log(Math.round((process.resourceUsage().maxRSS - before) / 1024));`;
    for (const name of ['alias-bomb.md', 'five-megabytes.md', 'invalid-utf8.md', 'no-closing-delimiter.md']) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path.join(hostile, name)], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(Number(run.stdout.trim()), name).toBeLessThan(30);
    }
  });
});
