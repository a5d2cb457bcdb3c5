/**
 * The edition-email cache behind `briefing build` (src/render/email-files.ts):
 * a cached copy must be byte-for-byte what a fresh render writes, and any
 * change to an edition's briefs, the config or the email templates must
 * render again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPublished } from '../../src/editions/published.js';
import { emailCacheDir, writeEditionEmails } from '../../src/render/email-files.js';
import { runCli } from '../helpers/cli.js';
import { briefText, ROOT, type TempProject } from '../helpers/project.js';
import { sampleEdition } from '../render/edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

const EDITION = 'editions/2026-11-23';
const read = (out: string) => ({
  html: readFileSync(path.join(out, EDITION, 'email.html'), 'utf8'),
  text: readFileSync(path.join(out, EDITION, 'email.txt'), 'utf8'),
});

describe('writeEditionEmails cache', () => {
  it('writes from the cache exactly what a fresh render writes', async () => {
    const e = await sampleEdition();
    project = e.project;
    const published = await loadPublished(e.config);
    const fresh = path.join(project.root, 'fresh');
    const cold = path.join(project.root, 'cold');
    const warm = path.join(project.root, 'warm');
    expect(await writeEditionEmails(published, fresh, { cacheDir: false })).toEqual({ rendered: 1, cached: 0 });
    expect(await writeEditionEmails(published, cold)).toEqual({ rendered: 1, cached: 0 });
    expect(await writeEditionEmails(await loadPublished(e.config), warm)).toEqual({ rendered: 0, cached: 1 });
    expect(read(cold)).toEqual(read(fresh));
    expect(read(warm)).toEqual(read(fresh));
    expect(existsSync(emailCacheDir(e.config))).toBe(true);
  });

  it('writes the same files from a worker thread, and its cache entry serves the next build', async () => {
    const e = await sampleEdition();
    project = e.project;
    const published = await loadPublished(e.config);
    const fresh = path.join(project.root, 'fresh');
    const worker = path.join(project.root, 'worker');
    await writeEditionEmails(published, fresh, { cacheDir: false });
    expect(await writeEditionEmails(published, worker, { workerFrom: 1 })).toEqual({ rendered: 1, cached: 0 });
    expect(read(worker)).toEqual(read(fresh));
    expect(await writeEditionEmails(published, path.join(project.root, 'again'), { workerFrom: 1 })).toEqual({ rendered: 0, cached: 1 });
  });

  it('reports a broken template from the worker thread with its code and file', async () => {
    const e = await sampleEdition();
    project = e.project;
    const own = path.join(project.root, 'templates/email');
    mkdirSync(own, { recursive: true });
    writeFileSync(path.join(own, 'edition.mjml.njk'), '<mjml>\n{% for s in sections %}\n<mj-body></mj-body>\n');
    await expect(writeEditionEmails(await loadPublished(e.config), path.join(project.root, 'out'), { workerFrom: 1, cacheDir: false })).rejects.toMatchObject({
      code: 'TEMPLATE_ERROR',
      file: expect.stringMatching(/templates\/email\/edition\.mjml\.njk$/),
    });
  });

  it('renders again when a brief in the edition changes, and drops the stale entry', async () => {
    const e = await sampleEdition();
    project = e.project;
    const cacheDir = path.join(project.root, 'cache');
    await writeEditionEmails(await loadPublished(e.config), path.join(project.root, 'a'), { cacheDir });
    const before = readdirSync(cacheDir);
    const brief = e.edition.items[0]!;
    writeFileSync(brief.file, readFileSync(brief.file, 'utf8').replace(/^summary: .*$/m, 'summary: A summary rewritten after the first build.'));

    const changed = await loadPublished(e.config);
    const out = path.join(project.root, 'b');
    expect(await writeEditionEmails(changed, out, { cacheDir })).toEqual({ rendered: 1, cached: 0 });
    expect(read(out).text).toContain('A summary rewritten after the first build.');
    const fresh = path.join(project.root, 'fresh');
    await writeEditionEmails(changed, fresh, { cacheDir: false });
    expect(read(out)).toEqual(read(fresh));
    // One entry, the new one: the old render was pruned.
    const after = readdirSync(cacheDir);
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
  });

  it('renders again when the project overrides the email template (briefing build, one process each)', async () => {
    const e = await sampleEdition();
    project = e.project;
    const env = { BRIEFING_DATA_DIR: project.dataDir };
    const first = runCli(['build', '--no-search'], { cwd: project.root, env });
    expect(first.status, first.stderr).toBe(0);
    expect(readdirSync(emailCacheDir(e.config))).toHaveLength(1);
    const own = path.join(project.root, 'templates/email');
    mkdirSync(own, { recursive: true });
    const builtin = readFileSync(path.join(ROOT, 'templates/email/edition.mjml.njk'), 'utf8');
    writeFileSync(path.join(own, 'edition.mjml.njk'), builtin.replace('</mj-body>', '<mj-section><mj-column><mj-text>Template changed</mj-text></mj-column></mj-section></mj-body>'));

    const second = runCli(['build', '--no-search'], { cwd: project.root, env });
    expect(second.status, second.stderr).toBe(0);
    expect(read(path.join(project.root, 'dist')).html).toContain('Template changed');
  });

  it('renders with a template edited under the same process, and caches that render under the new key', async () => {
    const e = await sampleEdition();
    project = e.project;
    const cacheDir = path.join(project.root, 'cache');
    await writeEditionEmails(await loadPublished(e.config), path.join(project.root, 'a'), { cacheDir });
    const own = path.join(project.root, 'templates/email');
    mkdirSync(own, { recursive: true });
    const builtin = readFileSync(path.join(ROOT, 'templates/email/edition.mjml.njk'), 'utf8');
    writeFileSync(path.join(own, 'edition.mjml.njk'), builtin.replace('{{ postalAddress }}', '{{ postalAddress }} · Edited in place'));
    const b = path.join(project.root, 'b');
    expect(await writeEditionEmails(await loadPublished(e.config), b, { cacheDir })).toEqual({ rendered: 1, cached: 0 });
    expect(read(b).html).toContain('Edited in place');
    // The next build reads that render from the cache: it was stored under the edited template's key.
    const c = path.join(project.root, 'c');
    expect(await writeEditionEmails(await loadPublished(e.config), c, { cacheDir })).toEqual({ rendered: 0, cached: 1 });
    expect(read(c).html).toContain('Edited in place');
  });

  it('renders again when the config changes what the email shows', async () => {
    const e = await sampleEdition();
    project = e.project;
    const cacheDir = path.join(project.root, 'cache');
    await writeEditionEmails(await loadPublished(e.config), path.join(project.root, 'a'), { cacheDir });
    const config = { ...e.config, postal_address: '99 Changed Road, Elsewhere' };
    const out = path.join(project.root, 'b');
    expect(await writeEditionEmails(await loadPublished(config), out, { cacheDir })).toEqual({ rendered: 1, cached: 0 });
    expect(read(out).html + read(out).text).toContain('99 Changed Road');
  });

  it('ignores a brief that is not in any edition', async () => {
    const e = await sampleEdition();
    project = e.project;
    const cacheDir = path.join(project.root, 'cache');
    await writeEditionEmails(await loadPublished(e.config), path.join(project.root, 'a'), { cacheDir });
    project.writeBrief('not-in-the-edition.md', briefText({ title: 'A brief written after the edition' }));
    expect(await writeEditionEmails(await loadPublished(e.config), path.join(project.root, 'b'), { cacheDir })).toEqual({ rendered: 0, cached: 1 });
  });
});
