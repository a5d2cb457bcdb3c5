/**
 * The public copies `briefing build` writes: dist/editions/<id>/email.html and
 * email.txt, the all-themes variant with obvious placeholder personal links.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPublished } from '../../src/editions/published.js';
import { planEditionEmails, writeEditionEmails } from '../../src/render/email-files.js';
import type { TempProject } from '../helpers/project.js';
import { sampleEdition } from './edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('writeEditionEmails', () => {
  it('writes each edition\'s all-themes email with placeholder personal links', async () => {
    const e = await sampleEdition();
    project = e.project;
    const out = path.join(project.root, 'dist');
    await writeEditionEmails(await loadPublished(e.config), out);
    const html = readFileSync(path.join(out, 'editions/2026-11-23/email.html'), 'utf8');
    const text = readFileSync(path.join(out, 'editions/2026-11-23/email.txt'), 'utf8');
    const d = parseHTML(html).document;
    expect(d.querySelectorAll('h2[id^="theme-"]').length).toBe(3);
    expect(d.querySelectorAll('h3').length).toBe(4);
    expect(html + text).not.toMatch(/BRIEFING_PH_/);
    // A public copy: no personal links (they answered 404), a way to subscribe instead.
    const hrefs = Array.from(d.querySelectorAll('a')).map((a) => a.getAttribute('href') ?? '');
    expect(hrefs.filter((h) => /\/(unsubscribe|preferences)\b/.test(h))).toEqual([]);
    expect(hrefs).toContain('https://briefing.test/#subscribe');
    expect(text).not.toMatch(/unsubscribe\?|preferences\?/);
    expect(text).toContain('Subscribe to get it by email: https://briefing.test/#subscribe');
    for (const brief of e.edition.items) expect(text).toContain(brief.title.slice(0, 30));
  });

  it('copies cached editions when planned, and renders the others only when asked', async () => {
    // The archive build plans before Eleventy and renders a few editions only after it (build.ts).
    const e = await sampleEdition();
    project = e.project;
    const published = await loadPublished(e.config);
    const email = (dir: string) => path.join(project!.root, dir, 'editions/2026-11-23/email.html');

    const first = planEditionEmails(published, path.join(project.root, 'a'), { workerFrom: 1 });
    expect(first.inWorker).toBe(true);
    expect(existsSync(email('a'))).toBe(false);
    expect(await first.render()).toEqual({ rendered: 1, cached: 0 });
    expect(existsSync(email('a'))).toBe(true);

    const second = planEditionEmails(published, path.join(project.root, 'b'), { workerFrom: 1 });
    expect(second.inWorker).toBe(false);
    expect(readFileSync(email('b'), 'utf8')).toBe(readFileSync(email('a'), 'utf8'));
    expect(await second.render()).toEqual({ rendered: 0, cached: 1 });
  });
});
