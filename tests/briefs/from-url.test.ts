/**
 * `briefing new --from-url`: the fixture pages in tests/fixtures/pages are
 * served on loopback, and the brief written holds exactly what each page
 * says about itself (Open Graph, JSON-LD, canonical link, <html lang>), and
 * nothing it does not.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pageFacts } from '../../src/briefs/from-url.js';
import { runCliAsync } from '../delivery/edition-project.js';
import { FIXTURES, tempProject, type TempProject } from '../helpers/project.js';

const PAGES = path.join(FIXTURES, 'pages');
const page = (name: string) => readFileSync(path.join(PAGES, name), 'utf8');

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (name === 'feed.xml') return res.writeHead(200, { 'content-type': 'application/atom+xml' }).end('<feed/>');
    if (name === 'moved') return res.writeHead(301, { location: '/og-article.html' }).end();
    if (!/^[a-z-]+\.html$/.test(name) || !existsSync(path.join(PAGES, name))) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(name));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('pageFacts', () => {
  it('reads Open Graph and article tags, the first of each, resolving a relative og:url', () => {
    expect(pageFacts(page('og-article.html'), 'https://wire.example/x?ref=1')).toEqual({
      title: 'Chip rules tighten again',
      siteName: 'Example Wire',
      url: 'https://wire.example/2026/12/chip-rules',
      published: '2026-12-03',
      author: 'A. Reporter',
      language: 'en-US',
    });
  });

  it('reads JSON-LD (an @graph, past a broken block), the canonical link and <html lang>', () => {
    expect(pageFacts(page('jsonld-article.html'), 'https://news.example.cn/a?id=7')).toEqual({
      title: '中国开源模型迎头赶上',
      siteName: '示例新闻',
      url: 'https://news.example.cn/articles/open-models',
      published: '2026-11-28',
      author: '王记者',
      language: 'zh-CN',
    });
  });

  it('leaves out what the page does not say', () => {
    expect(pageFacts(page('bare.html'), 'https://plain.example/p')).toEqual({ title: 'A page with only a title', url: 'https://plain.example/p' });
  });
});

describe('briefing new --from-url', () => {
  const cli = (args: string[]) => runCliAsync(['new', ...args], { cwd: project!.root, env: { BRIEFING_DATA_DIR: project!.dataDir } });
  const frontmatter = (file: string) => parse(readFileSync(path.join(project!.root, file.trim()), 'utf8').split('---')[1]!) as Record<string, unknown>;

  it('writes a draft with the page’s title and source, and says what it found', async () => {
    project = tempProject();
    const result = await cli(['--theme', 'export-controls', '--from-url', `${base}/moved`]);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('briefs/chip-rules-tighten-again.md');
    expect(result.stderr).toContain('From http://127.0.0.1:');
    expect(result.stderr).toContain(': title, source.name, source.url, source.published, source.author, source.language.');
    const data = frontmatter(result.stdout);
    expect(data).toMatchObject({ title: 'Chip rules tighten again', status: 'draft', themes: ['export-controls'] });
    expect(data.source).toEqual({ name: 'Example Wire', url: `${base}/2026/12/chip-rules`, published: '2026-12-03', author: 'A. Reporter', language: 'en-US' });
  });

  it('a page in another language: the writer’s title, the page’s as source.original_title', async () => {
    project = tempProject();
    const result = await cli(['China’s open models catch up', '--theme', 'open-source', '--from-url', `${base}/jsonld-article.html`]);
    expect(result.status).toBe(0);
    const data = frontmatter(result.stdout);
    expect(data.title).toBe('China’s open models catch up');
    expect(data.source).toEqual({
      name: '示例新闻',
      url: 'https://news.example.cn/articles/open-models',
      published: '2026-11-28',
      author: '王记者',
      language: 'zh-CN',
      original_title: '中国开源模型迎头赶上',
    });
  });

  it('a page that says little: only its title and URL, and the missing fields named', async () => {
    project = tempProject();
    const result = await cli(['--theme', 'safety', '--from-url', `${base}/bare.html`]);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('the page does not give source.name, source.published, source.author, source.language.');
    const data = frontmatter(result.stdout);
    expect(data.source).toEqual({ name: 'Publication name', url: `${base}/bare.html` });
  });

  it('a page that cannot be read writes nothing and says why', async () => {
    project = tempProject();
    for (const [url, message] of [
      [`${base}/missing.html`, /answered 404; nothing was written/],
      [`${base}/feed.xml`, /is not an HTML page \(application\/atom\+xml\); nothing was written/],
      ['http://briefing-from-url.invalid/x', /could not fetch http:\/\/briefing-from-url\.invalid\/x \((ENOTFOUND|EAI_AGAIN)\); nothing was written/],
    ] as const) {
      const result = await cli(['--theme', 'safety', '--from-url', url]);
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(message);
    }
    expect(readdirSync(project.briefsDir)).toEqual([]);
  });
});
