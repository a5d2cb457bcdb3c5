/**
 * The public copies `briefing build` writes: dist/editions/<id>/email.html and
 * email.txt, the all-themes variant with obvious placeholder personal links.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPublished } from '../../src/editions/published.js';
import { writeEditionEmails } from '../../src/render/email-files.js';
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
    const unsubscribe = Array.from(d.querySelectorAll('a')).find((a) => a.textContent === 'Unsubscribe');
    expect(unsubscribe?.getAttribute('href')).toBe('https://briefing.test/unsubscribe?token=your-personal-link');
    expect(text).toContain('Manage your themes: https://briefing.test/preferences?token=your-personal-link');
    for (const brief of e.edition.items) expect(text).toContain(brief.title.slice(0, 30));
  });
});
