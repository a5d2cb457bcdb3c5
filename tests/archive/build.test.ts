import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Eleventy from '@11ty/eleventy';
import { buildArchive, BUILD_MARKER } from '../../src/archive/build.js';
import { archiveData, PAGE_SIZE, FEED_SIZE } from '../../src/archive/data.js';
import { configureEleventy, siteTemplatesDir, type EleventyUserConfig } from '../../src/archive/eleventy-config.js';
import { loadPublished } from '../../src/editions/published.js';
import { formatError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { BUILTIN_TEMPLATES } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { tempProject } from '../helpers/project.js';
import { buildSite, FIXTURE_BRIEFS, filesUnder, page, recordingLogger, SAMPLE_BRIEFS, type BuiltSite } from './site.js';

const BULK = 60;
let site: BuiltSite;

beforeAll(async () => {
  site = await buildSite({ bulk: BULK, edition: true });
});
afterAll(() => site?.project.cleanup());

const text = (doc: Document, selector: string) => doc.querySelector(selector)?.textContent?.trim() ?? '';

/** All items listed on a theme, following its pagination from page 1. */
function themeItems(slug: string): string[] {
  const items: string[] = [];
  let url: string | undefined = `/themes/${slug}/`;
  const seen = new Set<string>();
  while (url && !seen.has(url)) {
    seen.add(url);
    const doc = page(site.outDir, url);
    items.push(...Array.from(doc.querySelectorAll('.item-title a')).map((a) => a.getAttribute('href')!));
    url = doc.querySelector('a[rel="next"]')?.getAttribute('href') ?? undefined;
  }
  return items;
}

describe('buildArchive: pages', () => {
  it('writes the home, themes, editions, search pages and one page per published brief', async () => {
    const published = await loadPublished(site.config);
    const css = archiveData(published).urls.css;
    expect(css).toMatch(/^\/assets\/site\.[0-9a-f]{10}\.css$/);
    for (const p of ['/', '/themes/', '/editions/', '/search/', '/feed.xml', '/editions/feed.xml', '/sitemap.xml', '/robots.txt', '/entities/', css]) {
      expect(existsSync(path.join(site.outDir, p.endsWith('/') ? `${p}index.html` : p)), p).toBe(true);
    }
    // Beside one folder per brief: /briefs/ itself (index.html and its compressed forms).
    const briefPages = readdirSync(path.join(site.outDir, 'briefs')).filter((n) => !n.includes('.')).sort();
    expect(briefPages).toEqual(published.briefs.map((b) => b.id).sort());
    expect(briefPages.length).toBe(SAMPLE_BRIEFS.length + 3 + BULK);
    expect(site.result.pages).toBeGreaterThan(briefPages.length);
    expect(existsSync(path.join(site.outDir, BUILD_MARKER))).toBe(true);
  });

  it('puts a multi-theme brief on every one of its theme pages, with its other themes as links', () => {
    for (const slug of ['export-controls', 'open-source', 'safety']) {
      expect(themeItems(slug), slug).toContain('/briefs/multi-theme/');
    }
    const doc = page(site.outDir, '/themes/safety/');
    const item = Array.from(doc.querySelectorAll('.item')).find((li) => li.querySelector('a[href="/briefs/multi-theme/"]'))!;
    const others = Array.from(item.querySelectorAll('.item-themes a')).map((a) => a.getAttribute('href'));
    expect(others).toEqual(['/themes/export-controls/', '/themes/open-source/']);
  });

  it('lists every published brief under each of its themes, newest first', async () => {
    const published = await loadPublished(site.config);
    for (const theme of site.config.themes) {
      const expected = published.briefs.filter((b) => b.themes.includes(theme.slug)).map((b) => `/briefs/${b.id}/`);
      expect(themeItems(theme.slug)).toEqual(expected);
    }
  });

  it('leaves drafts and invalid briefs out of every page and feed, and lists the invalid ones', () => {
    expect(existsSync(path.join(site.outDir, 'briefs/draft-brief'))).toBe(false);
    expect(existsSync(path.join(site.outDir, 'briefs/invalid-brief'))).toBe(false);
    for (const file of [...filesUnder(site.outDir, '.html'), ...filesUnder(site.outDir, '.xml')]) {
      const content = readFileSync(path.join(site.outDir, file), 'utf8');
      expect(content, file).not.toContain('This draft must never be published');
      expect(content, file).not.toContain('draft-brief');
      expect(content, file).not.toContain('This invalid brief must be left out');
    }
    expect(site.result.problems.some((p) => p.severity === 'error' && p.file.endsWith('invalid-brief.md'))).toBe(true);
    expect(site.logged.join('\n')).toMatch(/invalid-brief\.md/);
  });

  it('keeps hostile markup inert on every page: no scripts of its own, no handlers, no javascript: URLs', () => {
    for (const file of filesUnder(site.outDir, '.html')) {
      const doc = page(site.outDir, file);
      const scripts = Array.from(doc.querySelectorAll('script')).map((s) => s.getAttribute('src'));
      expect(scripts.every((src) => /^\/assets\/search\.[0-9a-f]{10}\.js$/.test(src ?? "")), file).toBe(true);
      for (const el of Array.from(doc.querySelectorAll('*'))) {
        for (const attr of Array.from(el.attributes)) {
          expect(attr.name.startsWith('on'), `${file}: <${el.tagName} ${attr.name}>`).toBe(false);
          if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name)) {
            expect(attr.value.trim(), `${file}: ${attr.name}`).not.toMatch(/^(javascript|vbscript|data):/i);
          }
        }
      }
      expect(doc.querySelector('iframe, object, embed, svg, img'), file).toBeNull();
    }
    const doc = page(site.outDir, '/briefs/hostile-markup/');
    expect(text(doc, 'h1')).toBe('Hostile <img src=x onerror=alert(1)> markup <script>alert("title")</script> stays inert');
    // markdown-it's typographer curls the quotes; the tags themselves arrive as text.
    expect(doc.querySelector('.points')!.textContent).toMatch(/<script>alert\(["“]body["”]\)<\/script>/);
    expect(doc.querySelector('a[href="https://example.org/report"]')).not.toBeNull();
  });

  it('shows template syntax in a brief literally', () => {
    const doc = page(site.outDir, '/briefs/template-syntax/');
    expect(text(doc, 'h1')).toBe('Template syntax {{ 7*7 }} shows literally');
    expect(text(doc, '.lede')).toBe('Nunjucks {{ 7*7 }} and {% if true %}tags{% endif %} in a summary are text.');
    const body = doc.querySelector('.points')!.textContent!;
    expect(body).toContain('The body says {{ 7*7 }} and {% raw %}raw{% endraw %} and {{ archive.site.title }}.');
    expect(body).toMatch(/\{% include ["“]base\.njk["”] %\}/);
    expect(body).not.toContain('49');
    expect(doc.querySelector('.tags')!.textContent).toContain('{{ 7*7 }} Labs');
  });

  it('shows everything a brief page promises', () => {
    const doc = page(site.outDir, '/briefs/multi-theme/');
    expect(text(doc, 'h1')).toBe('Chip rules, open weights and safety in one deal');
    expect(doc.querySelector('time[datetime="2026-10-20"]')).not.toBeNull();
    expect(Array.from(doc.querySelectorAll('.brief-head .pill')).map((a) => a.getAttribute('href'))).toEqual([
      '/themes/export-controls/',
      '/themes/open-source/',
      '/themes/safety/',
    ]);
    expect(text(doc, '.lede')).toContain('every theme at once');
    expect(text(doc, '.why')).toContain('Readers who follow any one');
    expect(Array.from(doc.querySelectorAll('.points li')).map((li) => li.textContent)).toEqual([
      'It touches export controls.',
      'It touches open-weight models.',
      'It touches safety policy.',
    ]);
    const source = doc.querySelector('.source a[href="https://example.org/multi-theme"]');
    expect(source?.textContent).toBe('Example Wire');
    const original = doc.querySelector('.source cite');
    expect(original?.textContent).toBe('芯片规则、开放权重与安全');
    expect(original?.getAttribute('lang')).toBe('zh-CN');
    expect(text(doc, '.source')).toContain('Chinese');
    expect(Array.from(doc.querySelectorAll('.tags li')).map((li) => li.textContent)).toEqual(['DeepSeek', 'Nvidia']);
    const related = Array.from(doc.querySelectorAll('.related a')).map((a) => a.getAttribute('href')!);
    expect(related.length).toBeGreaterThan(0);
    expect(related).not.toContain('/briefs/multi-theme/');
    expect(related).toContain('/editions/2026-11-23/');
  });

  it('paginates a theme past 50 items, grouped by month, every item exactly once', async () => {
    const published = await loadPublished(site.config);
    const total = published.briefs.filter((b) => b.themes.includes('export-controls')).length;
    expect(total).toBeGreaterThan(PAGE_SIZE);
    const first = page(site.outDir, '/themes/export-controls/');
    expect(first.querySelectorAll('.item').length).toBe(PAGE_SIZE);
    expect(first.querySelector('a[rel="next"]')?.getAttribute('href')).toBe('/themes/export-controls/page/2/');
    expect(first.querySelector('a[rel="prev"]')).toBeNull();
    const second = page(site.outDir, '/themes/export-controls/page/2/');
    expect(second.querySelectorAll('.item').length).toBe(total - PAGE_SIZE);
    expect(second.querySelector('a[rel="prev"]')?.getAttribute('href')).toBe('/themes/export-controls/');
    expect(second.querySelector('.pager [aria-current="page"]')?.textContent).toBe('2');
    const items = themeItems('export-controls');
    expect(new Set(items).size).toBe(total);
    // Month headings follow the dates: newest month first, each month once per page.
    const months = Array.from(first.querySelectorAll('.month-label')).map((h) => h.textContent);
    expect(months[0]).toBe('November 2026');
    expect(new Set(months).size).toBe(months.length);
    expect(existsSync(path.join(site.outDir, 'themes/export-controls/page/3'))).toBe(false);
  });

  it('writes an edition page with sections in the configured theme order, anchored for the email', () => {
    const doc = page(site.outDir, '/editions/2026-11-23/');
    const sections = Array.from(doc.querySelectorAll('section.edition-section')).map((s) => s.getAttribute('id'));
    const order = site.config.themes.map((t) => `theme-${t.slug}`);
    expect(sections).toEqual(order.filter((id) => sections.includes(id)));
    expect(sections).toContain('theme-export-controls');
    expect(doc.querySelector('#theme-export-controls a[href="/briefs/multi-theme/"]')).not.toBeNull();
    expect(doc.querySelector('.note strong')?.textContent).toBe('bold');
    // The email copy written beside the page by the build (email-files.ts) is linked from it. It is rendered
    // from today's briefs, and this edition was never sent: the link must not call it "the email as sent" (it did).
    expect(doc.querySelector('a[href="/editions/2026-11-23/email.html"]')?.textContent).toBe('read it as an email');
    expect(existsSync(path.join(site.outDir, 'editions/2026-11-23/email.html'))).toBe(true);
    const list = page(site.outDir, '/editions/');
    expect(list.querySelector('a[href="/editions/2026-11-23/"]')).not.toBeNull();
    const home = page(site.outDir, '/');
    expect(home.querySelector('.latest a[href="/editions/2026-11-23/"]')).not.toBeNull();
  });

  it('has a subscribe form posting email and themes to /subscribe on the home page', () => {
    const form = page(site.outDir, '/').querySelector('form.subscribe-form[action="/subscribe"]')!;
    expect(form.getAttribute('method')).toBe('post');
    expect(form.querySelector('input[name="email"][type="email"]')).not.toBeNull();
    expect(Array.from(form.querySelectorAll('input[type="checkbox"][name="themes"]')).map((i) => i.getAttribute('value'))).toEqual(
      site.config.themes.map((t) => t.slug),
    );
  });

  it('sets a Content-Security-Policy and loads nothing from elsewhere', () => {
    // email.html files are the edition emails (written by email-files.ts), not site pages.
    for (const file of filesUnder(site.outDir, '.html').filter((f) => !f.endsWith('/email.html'))) {
      const doc = page(site.outDir, file);
      const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
      expect(csp, file).toMatch(/default-src 'self'/);
      expect(csp, file).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
      // The canonical link is absolute by definition; everything loaded is from the site itself.
      for (const el of Array.from(doc.querySelectorAll('link[href]:not([rel="canonical"]), script[src], img[src]'))) {
        expect(el.getAttribute('href') ?? el.getAttribute('src'), file).toMatch(/^\//);
      }
      expect(doc.querySelectorAll('link[rel="stylesheet"]').length, file).toBe(1);
    }
  });
});

describe('buildArchive: Atom feeds', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['entry', 'link', 'category'].includes(name) });
  type Link = { '@rel'?: string; '@href': string };
  type Entry = { id: string; title: string; updated: string; link: Link[]; content: { '#text': string; '@type': string } };
  const feedAt = (sitePath: string) => parser.parse(readFileSync(path.join(site.outDir, sitePath), 'utf8')).feed as {
    id: string;
    title: string;
    updated: string;
    link: Link[];
    author: { name: string };
    entry?: Entry[];
  };
  const feedPaths = () => ['/feed.xml', ...site.config.themes.map((t) => `/themes/${t.slug}/feed.xml`)];

  it('writes valid Atom with absolute URLs from the base URL, capped at the newest entries', () => {
    for (const p of feedPaths()) {
      const feed = feedAt(p);
      expect(feed.id, p).toMatch(/^https:\/\/briefing\.test\//);
      expect(feed.title, p).toBeTruthy();
      expect(feed.updated, p).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(feed.author.name).toBe('Test Briefing');
      expect(feed.link.find((l) => l['@rel'] === 'self')?.['@href'], p).toBe(`https://briefing.test${p}`);
      const entries = feed.entry ?? [];
      expect(entries.length, p).toBeGreaterThan(0);
      expect(entries.length, p).toBeLessThanOrEqual(FEED_SIZE);
      for (const entry of entries) {
        const href = entry.link[0]!['@href'];
        expect(href, p).toMatch(/^https:\/\/briefing\.test\/briefs\/[a-z0-9-]+\/$/);
        expect(existsSync(path.join(site.outDir, new URL(href).pathname, 'index.html')), href).toBe(true);
        expect(entry.id).toBe(href);
        expect(entry.title).toBeTruthy();
        expect(entry.updated).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
        expect(entry.content['@type']).toBe('html');
      }
    }
    expect(feedAt('/themes/export-controls/feed.xml').entry!.length).toBe(FEED_SIZE);
  });

  it('keeps template syntax literal and hostile markup escaped inside feed content', () => {
    const entries = feedAt('/feed.xml').entry!;
    expect(entries.find((e) => e.title === 'Template syntax {{ 7*7 }} shows literally')).toBeDefined();
    const hostile = entries.find((e) => e.link[0]!['@href'].endsWith('/briefs/hostile-markup/'))!;
    // The content is HTML carried as text: its own markup has the brief's tags escaped once more.
    expect(hostile.content['#text']).not.toMatch(/<script/i);
    expect(hostile.content['#text']).not.toMatch(/href="javascript:/i);
  });

  it('puts only a theme’s briefs in its feed', () => {
    const entries = feedAt('/themes/safety/feed.xml').entry!;
    const urls = entries.map((e) => e.link[0]!['@href']);
    expect(urls).toContain('https://briefing.test/briefs/multi-theme/');
    expect(urls.some((u) => u.includes('/briefs/bulk-'))).toBe(false);
  });
});

/**
 * Builds a project, then gives it templates/site of its own (which replaces the built-in one) and builds
 * again: that build must fail with BUILD_FAILED and `message`, leave the first site as it was and no staging folder.
 */
async function expectFailedRebuild(templates: Record<string, string | Buffer>, message: RegExp): Promise<void> {
  const project = tempProject({ briefs: SAMPLE_BRIEFS });
  try {
    const out = path.join(project.root, 'dist');
    await buildArchive(project.config(), { outDir: out, log: silentLogger, search: false });
    const before = readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const [name, text] of Object.entries(templates)) {
      const file = path.join(project.root, 'templates/site', name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    const failure = await buildArchive(project.config(), { outDir: out, log: silentLogger, search: false }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'BUILD_FAILED' });
    expect(formatError(failure)).toMatch(message);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toBe(before);
    expect(existsSync(path.join(out, 'briefs'))).toBe(true);
    expect(readdirSync(project.root).filter((n) => n.startsWith('dist.'))).toEqual([]);
  } finally {
    project.cleanup();
  }
}

describe('buildArchive: atomic output and strictness', () => {
  it('still builds with no editions, and writes no edition pages', async () => {
    const project = tempProject({ briefs: SAMPLE_BRIEFS });
    try {
      const out = path.join(project.root, 'dist');
      await buildArchive(project.config(), { outDir: out, log: silentLogger, search: false });
      expect(readdirSync(path.join(out, 'editions')).filter((f) => !/\.(gz|br)$/.test(f))).toEqual(['feed.xml', 'index.html']);
      expect(page(out, '/editions/').querySelector('.empty')).not.toBeNull();
      expect(page(out, '/').querySelector('.latest .items')).not.toBeNull();
    } finally {
      project.cleanup();
    }
  });

  it('shows a brief edited between two builds as edited, though the build remembers unchanged briefs', async () => {
    const project = tempProject({ briefs: SAMPLE_BRIEFS });
    try {
      const out = path.join(project.root, 'dist');
      const build = () => buildArchive(project.config(), { outDir: out, log: silentLogger, search: false });
      await build();
      const file = path.join(project.briefsDir, 'schmidt-china-gap-deepseek-r1-qwen.md');
      const before = page(out, '/briefs/schmidt-china-gap-deepseek-r1-qwen/');
      expect(text(before, 'h1')).toMatch(/^Schmidt points to/);
      const edited = readFileSync(file, 'utf8')
        .replace('title: "Schmidt points', 'title: "Eric Schmidt points')
        .replace('- Recent estimates cited', '- **Newer** estimates cited');
      writeFileSync(file, edited);
      await build();
      const after = page(out, '/briefs/schmidt-china-gap-deepseek-r1-qwen/');
      expect(text(after, 'h1')).toMatch(/^Eric Schmidt points to/);
      expect(after.querySelector('.points strong')?.textContent).toBe('Newer');
      expect(after.body.textContent).not.toContain('Recent estimates cited');
      expect(readdirSync(path.join(project.root, '.cache/briefing/memo')).sort()).toEqual(['briefs.bin', 'markdown.bin']);
    } finally {
      project.cleanup();
    }
  });

  it('keeps the previous site when a build fails, and leaves no staging folder behind', async () => {
    // The writer is told which template broke and where.
    await expectFailedRebuild({ 'index.njk': '---\npermalink: /\n---\n{% for x in %}broken{% endfor %}\n' }, /index\.njk[\s\S]*Line 1/);
  });

  it('names the layout and line when the layout of a paginated page breaks', async () => {
    // Brief pages are .11ty.mjs templates that render their Nunjucks layout (renderLayout in eleventy-config.ts).
    const builtIn = path.join(BUILTIN_TEMPLATES, 'site');
    const templates = Object.fromEntries(filesUnder(builtIn).map((f) => [f, readFileSync(path.join(builtIn, f))]));
    const layout = templates['_includes/pages/brief.njk']!.toString();
    expect(layout).toContain('<h1 data-pagefind-meta="title">{{ brief.title }}</h1>');
    templates['_includes/pages/brief.njk'] = Buffer.from(layout.replace('{{ brief.title }}</h1>', '{{ brief.title | nosuchfilter }}</h1>'));
    await expectFailedRebuild(templates, /_includes\/pages\/brief\.njk\) \[Line \d+, Column \d+\][\s\S]*filter not found: nosuchfilter/);
  });

  it('writes every page byte for byte as Eleventy writing them itself would', async () => {
    // The build renders with Eleventy's dryRun and writes each page from a transform (page-writer.ts).
    const own = path.join(site.project.root, 'eleventy-own');
    const data = archiveData(await loadPublished(site.config));
    const elev = new Eleventy(siteTemplatesDir(site.config), own, {
      quietMode: true,
      configPath: '',
      config: (c: EleventyUserConfig) => configureEleventy(c, { data: async () => data }),
    });
    await elev.write();
    const expected = filesUnder(own);
    // Not Eleventy's: the edition emails, the share images and icons (cards.ts), and each page's compressed forms.
    const notEleventys = (f: string) =>
      f === BUILD_MARKER || /^editions\/[^/]+\/email\.(html|txt)$/.test(f) || /^cards\/|^(favicon-32|apple-touch-icon)\.png$|\.(gz|br)$/.test(f);
    expect(filesUnder(site.outDir).filter((f) => !notEleventys(f))).toEqual(expected);
    expect(expected.length).toBe(site.result.pages);
    for (const f of expected) expect(readFileSync(path.join(site.outDir, f)).equals(readFileSync(path.join(own, f))), f).toBe(true);
  });

  it('fails a build whose page cannot be written, keeping the previous site and no staging folder', async () => {
    // One page is written where the other needs a folder.
    await expectFailedRebuild(
      { 'a.njk': '---\npermalink: /clash.html\n---\nfile\n', 'b.njk': '---\npermalink: /clash.html/index.html\n---\npage\n' },
      /could not write .*clash/,
    );
  });

  it('swaps the new site in and removes the old one without waiting for it', async () => {
    const project = tempProject({ briefs: SAMPLE_BRIEFS });
    try {
      const out = path.join(project.root, 'dist');
      await buildArchive(project.config(), { outDir: out, log: silentLogger, search: false });
      writeFileSync(path.join(out, 'left-from-the-old-site.txt'), 'old');
      await buildArchive(project.config(), { outDir: out, log: silentLogger, search: false });
      // The new site is whole the moment the build returns; the old one is gone from dist/ at once.
      expect(existsSync(path.join(out, 'index.html'))).toBe(true);
      expect(existsSync(path.join(out, 'left-from-the-old-site.txt'))).toBe(false);
      // Its renamed copy is removed in the background.
      const leftovers = () => readdirSync(project.root).filter((n) => n.startsWith('dist.'));
      for (let i = 0; i < 600 && leftovers().length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(leftovers()).toEqual([]);
    } finally {
      project.cleanup();
    }
  });

  it('refuses to replace a folder that is not a built archive', async () => {
    const project = tempProject({ briefs: SAMPLE_BRIEFS });
    try {
      const out = path.join(project.root, 'notes');
      mkdirSync(out);
      writeFileSync(path.join(out, 'keep.txt'), 'mine');
      await expect(buildArchive(project.config(), { outDir: out, log: silentLogger, search: false })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(buildArchive(project.config(), { outDir: project.root, log: silentLogger, search: false })).rejects.toMatchObject({ code: 'USAGE' });
      expect(readFileSync(path.join(out, 'keep.txt'), 'utf8')).toBe('mine');
    } finally {
      project.cleanup();
    }
  });

  it('briefing build lists invalid briefs and exits 0; with --strict it exits 1 and builds nothing', () => {
    const project = tempProject({ briefs: [...SAMPLE_BRIEFS, ...FIXTURE_BRIEFS] });
    try {
      const strict = runCli(['build', '--strict', '--no-search'], { cwd: project.root });
      expect(strict.status, strict.stderr).toBe(1);
      expect(strict.stderr).toMatch(/invalid-brief\.md/);
      expect(strict.stderr).toMatch(/--strict/);
      expect(existsSync(path.join(project.root, 'dist'))).toBe(false);

      const lenient = runCli(['build', '--no-search'], { cwd: project.root });
      expect(lenient.status, lenient.stderr).toBe(0);
      expect(lenient.stderr).toMatch(/invalid-brief\.md/);
      expect(lenient.stdout).toMatch(/Built \d+ pages/);
      expect(existsSync(path.join(project.root, 'dist/briefs/multi-theme/index.html'))).toBe(true);

      const valid = tempProject({ briefs: SAMPLE_BRIEFS });
      try {
        const ok = runCli(['build', '--strict', '--no-search', '--out', 'site'], { cwd: valid.root });
        expect(ok.status, ok.stderr).toBe(0);
        expect(existsSync(path.join(valid.root, 'site/index.html'))).toBe(true);
      } finally {
        valid.cleanup();
      }
    } finally {
      project.cleanup();
    }
  });

  it('logs through the given logger, not the console', async () => {
    const project = tempProject({ briefs: [...SAMPLE_BRIEFS, FIXTURE_BRIEFS.find((f) => f.endsWith('invalid-brief.md'))!] });
    try {
      const lines: string[] = [];
      await buildArchive(project.config(), { outDir: path.join(project.root, 'dist'), log: recordingLogger(lines), search: false });
      expect(lines.some((l) => /invalid-brief\.md:\d+:\d+: /.test(l))).toBe(true);
      expect(lines.some((l) => /^Built \d+ pages from 4 briefs and 0 editions/.test(l))).toBe(true);
    } finally {
      project.cleanup();
    }
  });
});
