/**
 * What the command line says when a new user gets something wrong: each
 * case runs the real CLI and checks its message and its exit code (1 a
 * problem in the input, 2 a usage error), and that it never calls the
 * mistake a bug.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { CLI, briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
afterEach(() => project?.cleanup());

const cli = (args: string[], cwd = project.root) => {
  const result = runCli(args, { cwd, env: { BRIEFING_DATA_DIR: project.dataDir } });
  expect(result.stderr).not.toMatch(/bug in Briefing|at .*\.(js|ts):\d+/);
  return result;
};

describe('check', () => {
  it('a path that is not there is named as such, and counts as no brief (it printed "-1 valid")', () => {
    project = tempProject();
    const file = cli(['check', 'briefs/nope.md']);
    expect(file.status).toBe(1);
    expect(file.stdout).toBe('briefs/nope.md: no such file or folder\n');
    expect(file.stderr).toBe('0 briefs checked: 0 valid, 0 errors, 0 warnings (briefs/nope.md does not exist)\n');
    const folder = cli(['check', 'nodir']);
    expect(folder.status).toBe(1);
    expect(folder.stderr).toContain('(nodir does not exist)');
  });

  it('status: redy gets a suggestion', () => {
    project = tempProject();
    project.writeBrief('typo.md', briefText({ status: 'redy' }));
    const result = cli(['check']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/typo\.md:\d+:\d+: status must be "draft" or "ready"; did you mean "ready"\?/);
  });
});

describe('new', () => {
  it('flag mistakes are named as flags, once, with a suggestion, and exit 2; nothing is written', () => {
    project = tempProject();
    const typo = cli(['new', 'Export rules tighten', '--theme', 'export-control']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toBe('error: --themes: unknown theme "export-control"; did you mean "export-controls"? (themes: safety, open-source, export-controls)\n');
    const none = cli(['new', 'Export rules tighten']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^error: --themes is required: name the brief's themes, the primary one first/);
    const date = cli(['new', 'Export rules tighten', '--themes', 'safety', '--date', '12/07/2026']);
    expect(date.status).toBe(2);
    expect(date.stderr).toBe("error: --date must be a real date written YYYY-MM-DD, such as 2026-12-07; not '12/07/2026'\n");
    expect(readdirSync(project.briefsDir)).toEqual([]);
  });

  it('takes --themes a,b (documented) and --theme a --theme b alike, the first the primary theme', () => {
    project = tempProject();
    expect(cli(['new', 'One brief', '--themes', 'export-controls,safety']).status).toBe(0);
    expect(cli(['new', 'Another brief', '--theme', 'export-controls', '--theme', 'safety']).status).toBe(0);
    expect(cli(['new', 'A third brief', '--theme', 'export-controls,safety']).status).toBe(0);
    for (const file of readdirSync(project.briefsDir)) expect(runCli(['check', `briefs/${file}`], { cwd: project.root }).status).toBe(0);
    const help = cli(['new', '--help']);
    expect(help.stdout).toMatch(/--themes <slugs>\s+required/);
    expect(help.stdout).not.toContain('(default: [])');
  });

  it('a title already taken names the brief once', () => {
    project = tempProject();
    expect(cli(['new', 'Same title', '--themes', 'safety']).status).toBe(0);
    const again = cli(['new', 'Same title', '--themes', 'safety']);
    expect(again.status).toBe(1);
    expect(again.stderr.match(/briefs\/same-title\.md/g)).toHaveLength(1);
    expect(again.stderr).toMatch(/^error: briefs\/same-title\.md: already exists \(its id 'same-title' comes from the title\); nothing was written/);
  });
});

describe('dates', () => {
  it('every bad --date is a usage error (exit 2) in one message, a word or an impossible date', () => {
    project = tempProject();
    for (const bad of ['tomorrow', '2026-13-01', '2026-02-30']) {
      const result = cli(['assemble', '--date', bad]);
      expect(result.status, bad).toBe(2);
      expect(result.stderr).toBe(`error: --date must be a real date written YYYY-MM-DD, such as 2026-12-07; not '${bad}'\n`);
    }
  });
});

describe('config', () => {
  it('--config names the file as given, and does not ask for briefing.config.yml', () => {
    project = tempProject();
    const missing = cli(['--config', 'nope.yml', 'check']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('error: nope.yml: no such config file (given with --config)\n');
    const elsewhere = tempProject();
    try {
      const bad = path.join(elsewhere.root, 'other.yml');
      writeFileSync(bad, 'site:\n  title: T\n  base_url: nope\n');
      const result = cli(['--config', bad, 'check']);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^error: ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:3: site\\.base_url: `));
    } finally {
      elsewhere.cleanup();
    }
  });
});

describe('serve and start', () => {
  it('serve --dist of a folder that does not exist says to build first', () => {
    project = tempProject();
    const result = cli(['serve', '--dist', 'nodist']);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: nodist/ does not exist; run `briefing build` first\n');
  });

  it('a port in use is named, with what to do, and exits 1', async () => {
    project = tempProject();
    mkdirSync(path.join(project.root, 'dist'));
    writeFileSync(path.join(project.root, 'dist/index.html'), '<h1>x</h1>');
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port)], { cwd: project.root, env: { ...process.env, BRIEFING_DATA_DIR: project.dataDir, BRIEFING_SECRET: 'messages-test-secret-0123456789' } });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(new RegExp(`(^|\n)error: port ${port} is in use \\(is Briefing already running\\?\\); choose another with --port or PORT\\n`));
      expect(stderr).not.toMatch(/bug in Briefing|EADDRINUSE/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('output', () => {
  it('a reader that stops reading (| head) ends the command quietly, with no EPIPE trace', async () => {
    project = tempProject();
    const child = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" --help | head -1`], { cwd: project.root });
    let stderr = '';
    let stdout = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    await new Promise((resolve) => child.on('close', resolve));
    expect(stdout).toMatch(/^Usage: briefing/);
    expect(stderr).toBe('');
  });
});
