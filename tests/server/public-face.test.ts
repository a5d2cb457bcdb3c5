/**
 * The archive as readers and sharers meet it, through the real server on a real build: compressed
 * answers and 304s, cache rules, feed types, share tags, the sitemap, entity pages, and a server that
 * keeps serving while another process holds the database's write lock.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArchive } from '../../src/archive/build.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { DB_FILE, openDatabase } from '../../src/store/db.js';
import { SAMPLE_BRIEFS } from '../archive/site.js';
import { tempProject, type TempProject } from '../helpers/project.js';
import { writeEdition } from '../../src/editions/store.js';
import { loadBriefs } from '../../src/briefs/load.js';

const SECRET = 'public-face-secret-0123456789abcdef';
let project: TempProject;
let server: RunningServer;
let dist: string;

beforeAll(async () => {
  project = tempProject({ briefs: SAMPLE_BRIEFS });
  const config = project.config({ BRIEFING_SECRET: SECRET });
  const { briefs } = await loadBriefs(readdirSync(config.briefsDir).map((f) => path.join(config.briefsDir, f)), config.themes);
  await writeEdition(config.editionsDir, { number: 1, date: '2026-11-23', briefs: briefs.map((b) => b.id), note: '' });
  dist = (await buildArchive(config, { log: silentLogger })).outDir;
  openDatabase(config.dataDir).close();
  server = await startServer(config, { distDir: dist, port: 0, log: silentLogger });
}, 120_000);
afterAll(async () => {
  await server?.close();
  project?.cleanup();
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(server.url + p, { headers });

describe('HTTP', () => {
  it('answers text compressed from the files the build wrote, and 304 to a client that has the page', async () => {
    const css = /href="(\/assets\/site\.[0-9a-f]{10}\.css)"/.exec(await (await get('/')).text())![1]!;
    // Every page has a gzip twin; files of 16 kB or more (the stylesheet here) a brotli one too.
    for (const [file, accept, encoding] of [
      [css, 'br, gzip', 'br'],
      [css, 'gzip', 'gzip'],
      ['/', 'br, gzip', 'gzip'],
      ['/', 'identity', null],
    ] as const) {
      const res = await get(file, { 'accept-encoding': accept });
      expect(res.headers.get('content-encoding'), `${file} ${accept}`).toBe(encoding);
      expect(res.headers.get('vary')).toMatch(/Accept-Encoding/);
      // fetch decodes: the file is whole either way.
      expect(await res.text()).toMatch(file === '/' ? /<\/html>\s*$/ : /\}\s*$/);
    }
    const first = await get('/');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('last-modified')).toBeTruthy();
    const again = await get('/', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/', { 'if-none-match': 'W/"other"' })).status).toBe(200);
  });

  it('keeps fingerprinted assets for a year, and serves feeds as Atom (XML to a browser tab, so its stylesheet applies)', async () => {
    const html = await (await get('/')).text();
    const css = /href="(\/assets\/site\.[0-9a-f]{10}\.css)"/.exec(html)![1]!;
    expect((await get(css)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get('/pagefind/shards.json')).headers.get('cache-control')).toBe('no-cache');
    for (const feed of ['/feed.xml', '/editions/feed.xml', '/themes/safety/feed.xml']) {
      expect((await get(feed)).headers.get('content-type'), feed).toBe('application/atom+xml; charset=utf-8');
      expect((await get(feed, { 'sec-fetch-dest': 'document' })).headers.get('content-type'), feed).toBe('application/xml; charset=utf-8');
    }
  });

  it('does not serve the layout of its own pages as a page', async () => {
    expect((await get('/_briefing/page.html')).status).toBe(404);
  });
});

describe('share cards, sitemap, feeds and entity pages', () => {
  const pages = () => {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'index.html') out.push('/' + path.relative(dist, dir).split(path.sep).join('/') + (dir === dist ? '' : '/'));
      }
    };
    walk(dist);
    return out.map((p) => p.replace(/^\/+/, '/')).filter((p) => !p.startsWith('/_briefing/'));
  };

  it('gives every page a canonical link, a description and Open Graph and Twitter tags, and lists it in sitemap.xml', () => {
    const sitemap = readFileSync(path.join(dist, 'sitemap.xml'), 'utf8');
    for (const p of pages()) {
      const doc = parseHTML(readFileSync(path.join(dist, p, 'index.html'), 'utf8')).document;
      const meta = (sel: string) => doc.querySelector(sel)?.getAttribute('content') ?? '';
      expect(doc.querySelector('link[rel="canonical"]')?.getAttribute('href'), p).toBe(`https://briefing.test${p}`);
      for (const tag of ['og:title', 'og:description', 'og:url', 'og:type', 'og:site_name', 'og:image']) expect(meta(`meta[property="${tag}"]`), `${p} ${tag}`).not.toBe('');
      expect(meta('meta[name="twitter:card"]'), p).toBe('summary_large_image');
      expect(meta('meta[name="description"]'), p).not.toBe('');
      expect(sitemap, p).toContain(`<loc>https://briefing.test${p}</loc>`);
      // The image is a real PNG the build wrote.
      const image = new URL(meta('meta[property="og:image"]')).pathname;
      expect(readFileSync(path.join(dist, image)).subarray(1, 4).toString(), image).toBe('PNG');
    }
    const edition = parseHTML(readFileSync(path.join(dist, 'editions/2026-11-23/index.html'), 'utf8')).document;
    expect(edition.querySelector('meta[property="og:image"]')?.getAttribute('content')).toBe('https://briefing.test/cards/edition-2026-11-23.png');
    // The site's name once in the title, not twice.
    expect(edition.querySelector('title')?.textContent?.split(project.config().site.title).length).toBe(2);
    expect(readFileSync(path.join(dist, 'robots.txt'), 'utf8')).toContain('Sitemap: https://briefing.test/sitemap.xml');
  });

  it('links every entity chip to a page listing the briefs that name it, all of them listed at /entities/', () => {
    const brief = parseHTML(readFileSync(path.join(dist, 'briefs/schmidt-china-gap-deepseek-r1-qwen/index.html'), 'utf8')).document;
    const chips = Array.from(brief.querySelectorAll('.entities a')).map((a) => a.getAttribute('href')!);
    expect(chips).toContain('/entities/deepseek/');
    const deepseek = parseHTML(readFileSync(path.join(dist, 'entities/deepseek/index.html'), 'utf8')).document;
    const listed = Array.from(deepseek.querySelectorAll('.item-title a')).map((a) => a.getAttribute('href'));
    expect(listed).toContain('/briefs/schmidt-china-gap-deepseek-r1-qwen/');
    expect(deepseek.body.textContent).toMatch(/Named in 2 briefs/);
    const index = readFileSync(path.join(dist, 'entities/index.html'), 'utf8');
    for (const href of chips) expect(index).toContain(`href="${href}"`);
  });

  it('has a feed of editions, each entry holding its briefs, and feeds name themes by slug with a scheme and label', () => {
    const feed = readFileSync(path.join(dist, 'editions/feed.xml'), 'utf8');
    expect(feed.match(/<entry>/g)).toHaveLength(1);
    expect(feed).toContain('https://briefing.test/editions/2026-11-23/');
    expect(feed).toContain('briefs/schmidt-china-gap-deepseek-r1-qwen/');
    expect(feed).toContain('<category term="open-source" scheme="https://briefing.test/themes/" label="Open source"/>');
    const home = readFileSync(path.join(dist, 'index.html'), 'utf8');
    expect(home).toMatch(/<link rel="alternate" type="application\/atom\+xml" title="[^"]+: editions" href="\/editions\/feed\.xml">/);
  });

  it('shows each headline once on the home page', () => {
    const home = parseHTML(readFileSync(path.join(dist, 'index.html'), 'utf8')).document;
    const links = Array.from(home.querySelectorAll('main a[href^="/briefs/"]')).map((a) => a.getAttribute('href'));
    expect(links.length).toBeGreaterThan(0);
    expect(new Set(links).size).toBe(links.length);
  });
});

describe('a database write held by another process', () => {
  it('leaves static pages answering at once, and /subscribe waits a bounded time, then says so (503)', async () => {
    const other = new Database(path.join(project.config().dataDir, DB_FILE));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      const order: string[] = [];
      const post = fetch(server.url + '/subscribe', { method: 'POST', body: new URLSearchParams({ email: 'locked@example.org', themes: 'all' }) }).then((r) => {
        order.push('subscribe');
        return r;
      });
      // The server's thread is free while the write waits: pages are served meanwhile.
      for (let i = 0; i < 5; i++) {
        expect((await get('/themes/')).status).toBe(200);
        order.push('page');
      }
      const answer = await post;
      expect(order.slice(0, 5)).toEqual(['page', 'page', 'page', 'page', 'page']);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const after = await fetch(server.url + '/subscribe', { method: 'POST', body: new URLSearchParams({ email: 'locked@example.org', themes: 'all' }) });
    expect(after.status).toBe(200);
  });
});
