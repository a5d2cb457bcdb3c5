/**
 * The edition email, rendered for real (Nunjucks → MJML 5 → HTML) and read
 * back with a DOM parser: contents and their order, links, size, variants,
 * hostile brief text and template errors.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterEach, describe, expect, it } from 'vitest';
import { BriefingError } from '../../src/errors.js';
import { renderEmailVariant, subjectFor } from '../../src/render/email.js';
import { FIXTURES, ROOT, briefText, tempProject, type TempProject } from '../helpers/project.js';
import { THEMES, manyEdition, sampleEdition, withEdition } from './edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

const doc = (html: string) => parseHTML(html).document;
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('renderEmailVariant', () => {
  it('renders the sample edition with every part, in order, with absolute links', async () => {
    const e = await sampleEdition({ note: 'Welcome to the **first** edition.' });
    project = e.project;
    const variant = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    const d = doc(variant.html);

    expect(variant.editionId).toBe('2026-11-23');
    expect(variant.themes).toEqual(['safety', 'open-source', 'export-controls']);
    // The default subject names the lead brief, so editions are told apart in an inbox.
    expect(variant.subject).toBe(`Test Briefing #1: ${e.edition.items[0]!.title}`);
    expect(d.querySelector('title')?.textContent).toBe(variant.subject);
    expect(d.documentElement.getAttribute('lang')).toBe('en');
    expect(bytes(variant.html)).toBeLessThan(e.config.email.max_html_bytes);

    // Dark mode is declared, not left to chance.
    expect(d.querySelector('meta[name="color-scheme"]')?.getAttribute('content')).toBe('light dark');
    expect(d.querySelector('meta[name="supported-color-schemes"]')?.getAttribute('content')).toBe('light dark');
    expect(variant.html).toMatch(/@media \(prefers-color-scheme: dark\)/);

    // Sections by primary theme in configured order; newest first within a theme.
    expect(Array.from(d.querySelectorAll('h2[id^="theme-"]')).map((h) => h.id)).toEqual(['theme-safety', 'theme-open-source', 'theme-export-controls']);
    const titles = Array.from(d.querySelectorAll('h3')).map((h) => h.textContent!.trim());
    expect(titles).toEqual(e.edition.items.map((b) => b.title));
    expect(e.edition.briefs).toEqual([
      'khosla-lecun-open-source-national-security',
      'baai-warns-china-falling-behind',
      'china-open-weight-models-challenge-us',
      'schmidt-china-gap-deepseek-r1-qwen',
    ]);

    // Every link is absolute http(s) or a personal placeholder token.
    const hrefs = Array.from(d.querySelectorAll('a')).map((a) => a.getAttribute('href')!);
    for (const href of hrefs) expect(href).toMatch(/^(https?:\/\/\S+|BRIEFING_PH_[A-Z_]+)$/);
    const viewInBrowser = Array.from(d.querySelectorAll('a')).find((a) => a.textContent === 'View in browser');
    expect(viewInBrowser?.getAttribute('href')).toBe('https://briefing.test/editions/2026-11-23/');
    for (const brief of e.edition.items) {
      expect(hrefs).toContain(`https://briefing.test/briefs/${brief.id}/`);
      if (brief.source.url) expect(hrefs).toContain(brief.source.url);
    }
    expect(hrefs).toContain(variant.placeholders.unsubscribeUrl);
    expect(hrefs).toContain(variant.placeholders.preferencesUrl);

    // Other themes as tags; why it matters; the footer.
    const text = d.body.textContent!.replace(/\s+/g, ' ');
    expect(text).toContain('Also in Open source');
    expect(text).toContain(`Why it matters: ${e.edition.items[0]!.why_it_matters}`);
    expect(text).toContain('1 Test Street, Testville');
    expect(text).toMatch(/You get this email because you subscribed to Test Briefing/);

    // The preheader comes from the first summaries and is hidden.
    const preheader = Array.from(d.querySelectorAll('div')).find((div) => /display:\s*none/.test(div.getAttribute('style') ?? ''));
    expect(preheader?.textContent).toContain(e.edition.items[0]!.summary.slice(0, 40));

    // Order: header, note, index, sections, footer.
    const at = (s: string) => {
      const i = text.indexOf(s);
      expect(i, s).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [at('Edition #1'), at('Welcome to the first edition.'), at('In this edition'), at('AI safety Khosla'), at('Export controls Schmidt'), at('Manage your themes'), at('1 Test Street')];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(d.querySelector('strong')?.textContent).toBe('first');
  });

  it('keeps a 200-item edition under the size limit, with a "more on the web" link per theme', async () => {
    const e = await manyEdition(200);
    project = e.project;
    const variant = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expect(bytes(variant.html)).toBeLessThan(e.config.email.max_html_bytes);
    const d = doc(variant.html);
    const shown = d.querySelectorAll('h3').length;
    expect(shown).toBeGreaterThan(15);
    expect(shown).toBeLessThan(200);
    let more = 0;
    for (const slug of THEMES) {
      const link = Array.from(d.querySelectorAll('a')).find((a) => a.getAttribute('href') === `https://briefing.test/editions/2026-11-23/#theme-${slug}`);
      expect(link, slug).toBeDefined();
      const n = Number(/^(\d+) more .* on the web/.exec(link!.textContent!)?.[1]);
      expect(n).toBeGreaterThan(0);
      more += n;
    }
    expect(shown + more).toBe(200);
    // The text part is not clipped: it holds every item.
    for (const brief of e.edition.items) expect(variant.text).toContain(`https://briefing.test/briefs/${brief.id}/`);
  });

  it('fits items of very uneven size, moving the overflow to the web', async () => {
    const long = (i: number) => (i % 7 === 0 ? { why_it_matters: `Long reason ${i}. `.repeat(250) } : {});
    const e = await manyEdition(60, long);
    project = e.project;
    const variant = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expect(bytes(variant.html)).toBeLessThan(e.config.email.max_html_bytes);
    const d = doc(variant.html);
    const more = Array.from(d.querySelectorAll('a')).map((a) => Number(/^(\d+) more .* on the web/.exec(a.textContent ?? '')?.[1] ?? 0)).reduce((a, b) => a + b, 0);
    expect(more).toBeGreaterThan(0);
    expect(d.querySelectorAll('h3').length + more).toBe(60);
  });

  it('names the template when Nunjucks itself fails', async () => {
    const e = await sampleEdition();
    project = e.project;
    const dir = path.join(project.root, 'templates/email');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'edition.mjml.njk'), '<mjml>\n{% for s in sections %}\n<mj-body></mj-body>\n');
    await expect(renderEmailVariant(e.config, e.edition, [...THEMES])).rejects.toMatchObject({
      code: 'TEMPLATE_ERROR',
      file: expect.stringMatching(/templates\/email\/edition\.mjml\.njk$/),
    });
  });

  it('a brief that only mentions href=javascript: or onclick= in its text renders (regression: the guard matched escaped words)', async () => {
    const e = await sampleEdition({ note: 'Phishing mails use href=javascript:void(0) and <a onclick=steal()> tricks.' });
    project = e.project;
    const variant = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expect(variant.html).toContain('href=javascript:void(0)');
    expect(variant.html).toContain('&lt;a onclick=steal()&gt;');
  });

  it('a template that puts real active content in the email is refused', async () => {
    const e = await sampleEdition();
    project = e.project;
    const dir = path.join(project.root, 'templates/email');
    mkdirSync(dir, { recursive: true });
    const builtin = readFileSync(path.join(ROOT, 'templates/email/edition.mjml.njk'), 'utf8');
    for (const [inject, found] of [
      ['<a href="javascript:alert(1)">x</a>', /<a href="javascript:alert\(1\)">/],
      ['<p onclick="alert(1)">x</p>', /<p onclick=…>/],
    ] as const) {
      writeFileSync(path.join(dir, 'edition.mjml.njk'), builtin.replace('{{ postalAddress }}', `{{ postalAddress }} ${inject}`));
      await expect(renderEmailVariant(e.config, e.edition, [...THEMES])).rejects.toMatchObject({ code: 'TEMPLATE_ERROR', message: expect.stringMatching(found) });
    }
  });

  it('shows a small edition whole, with no overflow line', async () => {
    const e = await manyEdition(12);
    project = e.project;
    const variant = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expect(doc(variant.html).querySelectorAll('h3').length).toBe(12);
    expect(variant.html).not.toMatch(/on the web →/);
  });

  it('gives a one-theme reader only that theme\'s section', async () => {
    const e = await sampleEdition();
    project = e.project;
    const variant = await renderEmailVariant(e.config, e.edition, ['export-controls', 'no-such-theme']);
    const d = doc(variant.html);
    expect(variant.themes).toEqual(['export-controls']);
    expect(Array.from(d.querySelectorAll('h2[id^="theme-"]')).map((h) => h.id)).toEqual(['theme-export-controls']);
    // The BAAI brief's primary theme is open-source, but it is tagged export-controls too.
    expect(Array.from(d.querySelectorAll('h3')).map((h) => h.textContent!.trim())).toEqual([
      'BAAI researchers warn Beijing that China is falling behind',
      'Schmidt points to DeepSeek-R1 and Qwen2.5 as China\'s AI gap shrinks to months',
    ]);
    const text = d.body.textContent!;
    expect(text).not.toContain('Khosla');
    expect(text).toContain('This copy covers Export controls.');
    await expect(renderEmailVariant(e.config, e.edition, ['nothing'])).rejects.toMatchObject({ code: 'VARIANT_EMPTY' });
  });

  it('gives a reader who follows only a brief\'s second theme that brief, once, tagged with its primary theme', async () => {
    // Regression: variants used to keep only primary-theme sections, so such a reader never got the brief.
    project = tempProject();
    project.writeBrief('chip-rules.md', briefText({ title: 'Chip rules tighten', themes: ['export-controls', 'safety'] }));
    project.writeBrief('open-model.md', briefText({ title: 'An open model ships', themes: ['open-source'] }));
    const e = await withEdition(project);
    const variant = await renderEmailVariant(e.config, e.edition, ['safety', 'open-source']);
    const d = doc(variant.html);
    expect(variant.themes).toEqual(['safety', 'open-source']);
    const titles = Array.from(d.querySelectorAll('h3')).map((h) => h.textContent!.trim());
    expect(titles).toEqual(['Chip rules tighten', 'An open model ships']);
    expect(variant.text.match(/Chip rules tighten/g)).toHaveLength(2); // index + item
    expect(variant.text).toContain('Also in: Export controls');
  });

  it('never lets hostile brief text reach the HTML as markup', async () => {
    project = tempProject();
    project.writeBrief(
      'hostile.md',
      briefText(
        {
          title: '<script>alert(1)</script> {{ 7*7 }} <img src=x onerror=alert(2)>',
          summary: '"><svg onload=alert(3)> {% raw %}{{ 7*7 }}{% endraw %} javascript:alert(4)',
          why_it_matters: '<a href="javascript:alert(5)">click</a> [md](javascript:alert(6))',
          source: { name: '<b onmouseover=alert(7)>Outlet</b>', url: 'https://example.org/?q="><script>alert(8)</script>' },
        },
        '- <iframe src="javascript:alert(9)"></iframe>\n',
      ),
    );
    const e = await withEdition(project, {
      note: 'Note <script>alert(10)</script> [x](javascript:alert(11)) ![i](javascript:alert(12)) <img src=x onerror=alert(13)> {{ 7*7 }}',
    });
    const variant = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    const d = doc(variant.html);
    expect(d.querySelectorAll('script, iframe, svg, img, object, embed').length).toBe(0);
    for (const el of Array.from(d.querySelectorAll('*'))) {
      for (const attr of Array.from(el.attributes)) {
        expect(attr.name, `${el.tagName} ${attr.name}`).not.toMatch(/^on/i);
        expect(attr.value, `${el.tagName} ${attr.name}`).not.toMatch(/^\s*(javascript|vbscript|data):/i);
      }
    }
    expect(variant.html).not.toMatch(/<script|<img|<svg|<iframe/i);
    // Brief text is data: never evaluated as a template.
    expect(d.body.textContent).toContain('{{ 7*7 }}');
    expect(d.body.textContent).not.toContain('49');
    expect(d.querySelector('h3')?.textContent).toBe('<script>alert(1)</script> {{ 7*7 }} <img src=x onerror=alert(2)>');
    expect(variant.text).toContain('{{ 7*7 }}');
  });

  it('fails on an MJML validation error and names the template line', async () => {
    const e = await sampleEdition();
    project = e.project;
    const dir = path.join(project.root, 'templates/email');
    mkdirSync(dir, { recursive: true });
    cpSync(path.join(FIXTURES, 'email/broken/edition.mjml.njk'), path.join(dir, 'edition.mjml.njk'));
    const error = await renderEmailVariant(e.config, e.edition, [...THEMES]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(BriefingError);
    const b = error as BriefingError;
    expect(b.code).toBe('TEMPLATE_ERROR');
    expect(b.file).toMatch(/templates\/email\/edition\.mjml\.njk$/);
    // Line 14 of the template, though the loop puts it much further down the MJML.
    expect(b.position?.line).toBe(14);
    expect(b.message).toMatch(/colour is illegal/);
    expect(b.located).toMatch(/edition\.mjml\.njk:14:1: MJML validation failed/);
  });
});

describe('subjectFor', () => {
  it('picks up an email template edited while the process runs (briefing start, the dev server)', async () => {
    // Regression: the Nunjucks environment was kept for the life of the process, so edits never showed.
    const e = await sampleEdition();
    project = e.project;
    const before = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expect(before.html).not.toContain('Edited footer line');
    const own = path.join(project.root, 'templates/email');
    mkdirSync(own, { recursive: true });
    const builtin = readFileSync(path.join(ROOT, 'templates/email/edition.mjml.njk'), 'utf8');
    expect(builtin).toContain('{{ postalAddress }}');
    writeFileSync(path.join(own, 'edition.mjml.njk'), builtin.replace('{{ postalAddress }}', '{{ postalAddress }} · Edited footer line'));
    const after = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expect(after.html).toContain('Edited footer line');
  });

  it('follows the configured pattern and the edition override, on one line', async () => {
    const e = await sampleEdition();
    project = e.project;
    const config = { ...e.config, email: { ...e.config.email, subject: '{title} — no. {number} ({date})' } };
    expect(subjectFor(config, e.edition)).toBe('Test Briefing — no. 1 (November 23, 2026)');
    expect(subjectFor(config, { ...e.edition, subject: 'A special issue' })).toBe('A special issue');
    // Even a pattern that slipped past the config schema cannot put a newline in the header.
    const hostile = { ...config, email: { ...config.email, subject: '{title}\r\nBcc: everyone@example.org\u0000\u2028' } };
    expect(subjectFor(hostile, e.edition)).toBe('Test Briefing Bcc: everyone@example.org');
  });
});
