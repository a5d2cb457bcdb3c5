/**
 * Nothing public before it is sent: with site.publish: on-send (the default),
 * an unsent edition and its briefs are on no page, in no feed and in no
 * sitemap of the built archive; once `send` has mailed it they are on all of
 * them. A scheduled tick builds the archive as the edition goes out.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/archive/build.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { sendEdition } from '../../src/delivery/send.js';
import { isPublic, loadPublished } from '../../src/editions/published.js';
import { loadEditions, writeEdition } from '../../src/editions/store.js';
import { runTick } from '../../src/schedule/tick.js';
import { openDatabase } from '../../src/store/db.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { recordingLogger } from './site.js';

const SECRET = 'test-secret-that-is-long-enough-0123456789';
let project: TempProject | undefined;
afterEach(() => project?.cleanup());

/** Two briefs: one in a future-dated edition (2099-01-05) not yet sent, one in a sent edition. */
async function projectWithUnsentEdition(publish?: 'on-send' | 'on-date'): Promise<TempProject> {
  const p = tempProject({ config: { site: { title: 'Test Briefing', base_url: 'https://briefing.test', ...(publish ? { publish } : {}) } } });
  p.writeBrief('old-news.md', briefText({ title: 'Old news everyone got', themes: ['safety'], date: '2026-11-10', source: { name: 'Wire', url: 'https://example.org/old' } }));
  p.writeBrief('embargoed-chip-rules.md', briefText({ title: 'Embargoed chip rules', themes: ['export-controls'], date: '2026-11-20', entities: ['Nvidia'], source: { name: 'Wire', url: 'https://example.org/new' } }));
  await writeEdition(p.editionsDir, { number: 1, date: '2026-11-16', briefs: ['old-news'], sent_at: '2026-11-16T07:00:00.000Z', note: '' });
  await writeEdition(p.editionsDir, { number: 2, date: '2099-01-05', briefs: ['embargoed-chip-rules'], note: '' });
  return p;
}

/** Every file of the built site that a reader or a crawler can fetch, with its text. */
function siteFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(html|xml|txt|json)$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (file.includes(`${path.sep}pagefind${path.sep}`)) continue;
    out.set(path.relative(dir, file), readFileSync(file, 'utf8'));
  }
  return out;
}

const mentioning = (files: Map<string, string>, text: string) => [...files].filter(([, body]) => body.includes(text)).map(([f]) => f).sort();

describe('what is public (site.publish)', () => {
  it('on-send: a future-dated unsent edition is on no page and in no feed; after send it is on all of them', async () => {
    project = await projectWithUnsentEdition();
    const config = project.config({ BRIEFING_SECRET: SECRET });
    expect(config.site.publish).toBe('on-send');
    const outDir = path.join(project.root, 'dist');
    await buildArchive(config, { outDir, log: recordingLogger([]), search: false });

    const before = siteFiles(outDir);
    expect(mentioning(before, 'Embargoed chip rules')).toEqual([]);
    expect(mentioning(before, '2099-01-05')).toEqual([]);
    expect(existsSync(path.join(outDir, 'editions/2099-01-05'))).toBe(false);
    expect(existsSync(path.join(outDir, 'briefs/embargoed-chip-rules'))).toBe(false);
    // The sent edition is there, as before.
    expect(mentioning(before, 'Old news everyone got')).toEqual(expect.arrayContaining(['index.html', 'feed.xml', 'editions/2026-11-16/index.html', 'briefs/old-news/index.html']));
    expect(mentioning(before, '/editions/2026-11-16/')).toEqual(expect.arrayContaining(['index.html', 'editions/index.html']));

    // Sent (to the outbox), the edition file records it, and the next build shows it everywhere.
    const db = openDatabase(config.dataDir);
    try {
      addSubscriber(db, { email: 'reader@example.org', themes: [], source: 'test' });
      const summary = await sendEdition(config, { edition: '2099-01-05', log: recordingLogger([]), db, progress: 'none' });
      expect(summary.sent).toBe(1);
    } finally {
      db.close();
    }
    const edition = (await loadEditions(config.editionsDir)).editions.find((e) => e.id === '2099-01-05')!;
    expect(edition.sent_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    await buildArchive(config, { outDir, log: recordingLogger([]), search: false });
    const after = siteFiles(outDir);
    expect(mentioning(after, 'Embargoed chip rules')).toEqual(
      expect.arrayContaining([
        'index.html',
        'feed.xml',
        'editions/2099-01-05/index.html',
        'editions/2099-01-05/email.html',
        'briefs/embargoed-chip-rules/index.html',
        'themes/export-controls/index.html',
        'themes/export-controls/feed.xml',
      ]),
    );
    expect(mentioning(after, '/editions/2099-01-05/')).toEqual(expect.arrayContaining(['index.html', 'editions/index.html']));
  });

  it('on-date: an edition is public from its date, sent or not; a future one waits; --drafts shows everything', async () => {
    project = await projectWithUnsentEdition('on-date');
    const config = project.config();
    const dated = (today: string) => loadPublished(config, { today }).then((p) => ({ editions: p.editions.map((e) => e.id), briefs: p.briefs.map((b) => b.id) }));
    expect(await dated('2026-12-07')).toEqual({ editions: ['2026-11-16'], briefs: ['old-news'] });
    expect(await dated('2099-01-05')).toEqual({ editions: ['2026-11-16', '2099-01-05'], briefs: ['embargoed-chip-rules', 'old-news'] });
    const drafts = await loadPublished(config, { drafts: true, today: '2026-12-07' });
    expect(drafts.editions.map((e) => e.id)).toEqual(['2026-11-16', '2099-01-05']);
    expect(drafts.drafts).toBe(true);
  });

  it('on-send: a ready brief in no edition waits for the edition that mails it; on-date shows it from its own date', async () => {
    project = await projectWithUnsentEdition();
    project.writeBrief('not-yet-assembled.md', briefText({ title: 'Written this morning', date: '2026-12-01', source: { name: 'Wire', url: 'https://example.org/x' } }));
    const onSend = await loadPublished(project.config(), { today: '2026-12-07' });
    expect(onSend.briefs.map((b) => b.id)).toEqual(['old-news']);
    expect(isPublic(project.config(), { date: '2026-11-01', sent_at: undefined }, '2026-12-07')).toBe(false);
  });

  it('a drafts build is marked and kept out of search engines', async () => {
    project = await projectWithUnsentEdition();
    const outDir = path.join(project.root, 'dist-drafts');
    await buildArchive(project.config(), { outDir, log: recordingLogger([]), search: false, drafts: true });
    const page = readFileSync(path.join(outDir, 'editions/2099-01-05/index.html'), 'utf8');
    expect(page).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(page).toContain('Draft preview');
  });

  it('a tick under on-send builds the archive once the edition went out, so its web copy is there for readers', async () => {
    project = tempProject({ config: { site: { title: 'Test Briefing', base_url: 'https://briefing.test' } } });
    project.writeBrief('fresh.md', briefText({ title: 'Fresh off the wire', date: '2026-12-01', source: { name: 'Wire', url: 'https://example.org/fresh' } }));
    const config = project.config({ BRIEFING_SECRET: SECRET });
    const db = openDatabase(config.dataDir);
    try {
      addSubscriber(db, { email: 'reader@example.org', themes: [], source: 'test' });
      const distDir = path.join(project.root, 'dist');
      const summary = await runTick(config, { now: new Date('2026-12-07T08:00:00Z'), log: recordingLogger([]), db, distDir });
      expect(summary.status).toBe('sent');
      expect(existsSync(path.join(distDir, 'editions/2026-12-07/email.html'))).toBe(true);
      expect(readFileSync(path.join(distDir, 'index.html'), 'utf8')).toContain('Fresh off the wire');
    } finally {
      db.close();
    }
  });
});
