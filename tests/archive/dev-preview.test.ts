/**
 * The dev server's head start (src/archive/dev-preview.ts): a just-saved
 * brief's page, rendered on its own, must be exactly the page the full
 * Eleventy build writes, hostile and template-looking text included.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/archive/build.js';
import { archiveData } from '../../src/archive/data.js';
import { BriefPreview } from '../../src/archive/dev-preview.js';
import { siteTemplatesDir } from '../../src/archive/eleventy-config.js';
import { loadBriefs } from '../../src/briefs/load.js';
import { loadPublished } from '../../src/editions/published.js';
import { silentLogger } from '../../src/log.js';
import { briefText } from '../helpers/project.js';
import { buildSite, type BuiltSite } from './site.js';

let site: BuiltSite;
let scratch: string;
beforeAll(async () => {
  site = await buildSite({ edition: true, bulk: 12 });
  scratch = mkdtempSync(path.join(os.tmpdir(), 'briefing-preview-'));
}, 120_000);
afterAll(() => {
  site?.project.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const pageOf = (dir: string, id: string) => readFileSync(path.join(dir, 'briefs', id, 'index.html'), 'utf8');

describe('BriefPreview', () => {
  it('renders a brief page byte for byte as Eleventy does (related briefs, editions, hostile and template text)', async () => {
    const published = await loadPublished(site.config);
    const data = archiveData(published);
    const ids = ['multi-theme', 'hostile-markup', 'template-syntax', 'bulk-003'];
    const briefs = published.briefs.filter((b) => ids.includes(b.id));
    expect(briefs).toHaveLength(ids.length);
    const out = path.join(scratch, 'same');
    new BriefPreview(siteTemplatesDir(site.config)).write(published, briefs, data, out);
    for (const id of ids) expect(pageOf(out, id), id).toBe(pageOf(site.outDir, id));
    expect(pageOf(out, 'template-syntax')).toContain('{{ 7*7 }}');
  });

  it('renders a newly written brief as the next full build will', async () => {
    const before = await loadPublished(site.config);
    const data = archiveData(before);
    const file = site.project.writeBrief('just-saved.md', briefText({ title: 'Just saved {{ 6*7 }}', date: '2026-12-06', themes: ['export-controls'], entities: ['Entity 3'] }));
    const { briefs } = await loadBriefs([file], site.config.themes);
    const out = path.join(scratch, 'new');
    expect(new BriefPreview(siteTemplatesDir(site.config)).write(before, briefs, data, out)).toHaveLength(1);

    const full = path.join(scratch, 'full');
    await buildArchive(site.config, { outDir: full, log: silentLogger, search: false });
    expect(pageOf(out, 'just-saved')).toBe(pageOf(full, 'just-saved'));
    expect(pageOf(out, 'just-saved')).toContain('Just saved {{ 6*7 }}');
  }, 120_000);

  it('writes nothing for a brief the full build keeps off the site: one dated after today', async () => {
    const published = await loadPublished(site.config);
    const file = site.project.writeBrief('tomorrows-news.md', briefText({ title: 'Not yet', date: '2099-01-01' }));
    const { briefs } = await loadBriefs([file], site.config.themes);
    expect(new BriefPreview(siteTemplatesDir(site.config)).write(published, briefs, archiveData(published), path.join(scratch, 'future'))).toEqual([]);
  });

  it('writes nothing for a draft', async () => {
    const published = await loadPublished(site.config);
    const file = site.project.writeBrief('a-draft.md', briefText({ status: 'draft' }));
    const { briefs } = await loadBriefs([file], site.config.themes);
    expect(new BriefPreview(siteTemplatesDir(site.config)).write(published, briefs, archiveData(published), path.join(scratch, 'draft'))).toEqual([]);
  });
});
