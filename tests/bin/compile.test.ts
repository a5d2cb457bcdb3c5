/**
 * lib/, src/ compiled to plain JavaScript (bin/compile.js), which the CLI
 * runs instead of src/ through tsx: it must be what src/ says, kept up to
 * date, never half written, and when it cannot be made the CLI must still
 * run (through tsx).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compiled, STAMP_FILE } from '../../bin/compile.js';
import { loadPublished } from '../../src/editions/published.js';
import { writeEditionEmails } from '../../src/render/email-files.js';
import { ROOT } from '../helpers/project.js';
import { sampleEdition, type EditionProject } from '../render/edition-project.js';

const temps: string[] = [];
let edition: EditionProject | undefined;
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  edition?.project.cleanup();
  edition = undefined;
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-compile-'));
  temps.push(dir);
  return dir;
}

/** A package folder with a small src/. */
function tinyPackage(): string {
  const root = tempDir();
  const src = path.join(root, 'src');
  mkdirSync(path.join(src, 'sub'), { recursive: true });
  writeFileSync(path.join(src, 'main.ts'), "import { twice } from './sub/twice.js';\nexport const answer: number = twice(21);\n");
  writeFileSync(path.join(src, 'sub/twice.ts'), 'export type N = number;\nexport function twice(n: N): N {\n  return n * 2;\n}\n');
  writeFileSync(path.join(src, 'worker.mjs'), 'export const plain = true;\n');
  writeFileSync(path.join(src, 'shapes.d.ts'), 'declare module "shapes" {}\n');
  return root;
}

/** Runs a module with plain node (no TypeScript loader) and returns what it prints. */
function runPlain(script: string, cwd: string): string {
  // A file, not -e: a worker thread inherits the process's flags, and --input-type would stop it.
  const file = path.join(cwd, 'run.mjs');
  writeFileSync(file, script);
  const run = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return run.stdout.trim();
}

describe('compiled', () => {
  it('writes src/ as JavaScript that plain node runs, copies plain JavaScript, and skips declarations', async () => {
    const root = tinyPackage();
    const lib = await compiled(root);
    expect(lib).toBe(path.join(root, 'lib'));
    expect(runPlain(`const m = await import('./lib/main.js'); console.log(m.answer);`, root)).toBe('42');
    expect(readFileSync(path.join(lib, 'worker.mjs'), 'utf8')).toBe('export const plain = true;\n');
    expect(existsSync(path.join(lib, 'shapes.d.js'))).toBe(false);
    expect(existsSync(path.join(lib, STAMP_FILE))).toBe(true);
  });

  it('leaves an up-to-date lib/ alone', async () => {
    const root = tinyPackage();
    const lib = await compiled(root);
    const before = statSync(path.join(lib, 'main.js'));
    await compiled(root);
    const after = statSync(path.join(lib, 'main.js'));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('compiles an edited file again and drops the output of a deleted one', async () => {
    const root = tinyPackage();
    await compiled(root);
    writeFileSync(path.join(root, 'src/main.ts'), "import { twice } from './sub/twice.js';\nexport const answer: number = twice(50);\n");
    writeFileSync(path.join(root, 'src/gone.ts'), 'export const gone = 1;\n');
    await compiled(root);
    expect(existsSync(path.join(root, 'lib/gone.js'))).toBe(true);
    rmSync(path.join(root, 'src/gone.ts'));
    await compiled(root);
    expect(runPlain(`const m = await import('./lib/main.js'); console.log(m.answer);`, root)).toBe('100');
    expect(existsSync(path.join(root, 'lib/gone.js'))).toBe(false);
    expect(existsSync(path.join(root, 'lib/gone.js.map'))).toBe(false);
  });

  it('rejects a syntax error, naming the file, and tries again next time', async () => {
    const root = tinyPackage();
    await compiled(root);
    const stamp = readFileSync(path.join(root, 'lib', STAMP_FILE), 'utf8');
    writeFileSync(path.join(root, 'src/main.ts'), 'export const answer = (;\n');
    await expect(compiled(root)).rejects.toThrow(/main\.ts/);
    expect(readFileSync(path.join(root, 'lib', STAMP_FILE), 'utf8')).toBe(stamp);
    writeFileSync(path.join(root, 'src/main.ts'), 'export const answer = 7;\n');
    await compiled(root);
    expect(runPlain(`const m = await import('./lib/main.js'); console.log(m.answer);`, root)).toBe('7');
  });

  it('rejects when lib/ cannot be written', async () => {
    const root = tinyPackage();
    writeFileSync(path.join(root, 'lib'), 'not a folder');
    await expect(compiled(root)).rejects.toThrow();
  });
});

describe('the CLI from lib/', () => {
  /** A copy of this package (its node_modules linked), for runs that make or break its lib/. */
  function packageCopy(): string {
    const root = tempDir();
    for (const part of ['package.json', 'bin', 'src', 'templates']) cpSync(path.join(ROOT, part), path.join(root, part), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
    return root;
  }
  const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;
  const cli = (root: string) =>
    spawnSync(process.execPath, [path.join(root, 'bin/briefing.js'), '--version'], { cwd: root, encoding: 'utf8', env: { ...process.env, DEBUG: 'Briefing:compile' } });

  it('compiles lib/ on first run and runs from it', () => {
    const root = packageCopy();
    const run = cli(root);
    expect(run.stdout.trim()).toBe(version);
    expect(run.stderr).not.toMatch(/through tsx/);
    expect(existsSync(path.join(root, 'lib/cli.js'))).toBe(true);
  });

  it('runs src/ through tsx when lib/ cannot be made', () => {
    const root = packageCopy();
    writeFileSync(path.join(root, 'lib'), 'not a folder');
    const run = cli(root);
    expect(run.stdout.trim()).toBe(version);
    expect(run.stderr).toMatch(/running src\/ through tsx/);
  });

  it('stamps caches as src/ does, so the CLI and the tests share them', async () => {
    const root = packageCopy();
    await compiled(root);
    edition = await sampleEdition();
    // One process with tsx, so it can load both trees.
    const script = `
      const { loadConfig } = await import('./src/config/load.ts');
      const config = loadConfig({ root: ${JSON.stringify(edition.project.root)}, env: { BRIEFING_DATA_DIR: ${JSON.stringify(edition.project.dataDir)} } });
      const fromLib = { files: await import('./lib/render/email-files.js'), markdown: await import('./lib/render/markdown.js'), briefs: await import('./lib/briefs/load.js') };
      const fromSrc = { files: await import('./src/render/email-files.ts'), markdown: await import('./src/render/markdown.ts'), briefs: await import('./src/briefs/load.ts') };
      const written = fromLib.markdown.openMarkdownMemo(config);
      written.set('k', '<p>from lib</p>');
      await written.save();
      const briefs = fromLib.briefs.openBriefMemo(config);
      briefs.set('k', 'from lib');
      await briefs.save();
      console.log(JSON.stringify({
        email: fromLib.files.commonFingerprint(config) === fromSrc.files.commonFingerprint(config),
        markdown: fromSrc.markdown.openMarkdownMemo(config).get('k'),
        briefs: fromSrc.briefs.openBriefMemo(config).get('k'),
      }));`;
    writeFileSync(path.join(root, 'run.mjs'), script);
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'run.mjs')], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ email: true, markdown: '<p>from lib</p>', briefs: 'from lib' });
  });

  it("renders edition emails in a worker thread from lib/ as src/ does", async () => {
    const root = packageCopy();
    await compiled(root);
    edition = await sampleEdition();
    const fromSrc = path.join(edition.project.root, 'src-out');
    await writeEditionEmails(await loadPublished(edition.config), fromSrc, { cacheDir: false });
    const fromLib = path.join(edition.project.root, 'lib-out');
    const script = `
      const { loadConfig } = await import('./lib/config/load.js');
      const { loadPublished } = await import('./lib/editions/published.js');
      const { writeEditionEmails } = await import('./lib/render/email-files.js');
      const config = loadConfig({ root: ${JSON.stringify(edition.project.root)}, env: { BRIEFING_DATA_DIR: ${JSON.stringify(edition.project.dataDir)} } });
      const result = await writeEditionEmails(await loadPublished(config), ${JSON.stringify(fromLib)}, { workerFrom: 1, cacheDir: false });
      console.log(JSON.stringify(result));`;
    expect(runPlain(script, root)).toBe(JSON.stringify({ rendered: 1, cached: 0 }));
    for (const name of ['email.html', 'email.txt']) {
      const file = path.join('editions/2026-11-23', name);
      expect(readFileSync(path.join(fromLib, file), 'utf8')).toBe(readFileSync(path.join(fromSrc, file), 'utf8'));
    }
  });
});
