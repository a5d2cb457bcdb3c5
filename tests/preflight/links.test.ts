/**
 * The source-link check against a real HTTP server on loopback that answers
 * 200, 404, 410, 500, 403, a redirect chain, a redirect loop and never (a
 * timeout); and against addresses nothing answers at (no network).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLinks } from '../../src/preflight/links.js';
import { deadLinks, type BriefFacts } from '../../src/preflight/rules.js';
import { formatProblem } from '../../src/problems.js';
import { freePort } from '../helpers/ports.js';

let server: http.Server;
let base: string;
const seen: string[] = [];
const hung = new Set<http.ServerResponse>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers['user-agent']}`);
    const url = req.url ?? '/';
    if (url === '/ok') return res.end('<html>fine</html>');
    if (url === '/gone') return res.writeHead(410).end();
    if (url === '/broken') return res.writeHead(500).end();
    if (url === '/robots-only') return res.writeHead(403).end();
    if (url === '/moved') return res.writeHead(301, { location: '/moved-again' }).end();
    if (url === '/moved-again') return res.writeHead(302, { location: `${base}/ok` }).end();
    if (url === '/loop-a') return res.writeHead(302, { location: '/loop-b' }).end();
    if (url === '/loop-b') return res.writeHead(302, { location: '/loop-a' }).end();
    if (url === '/hang') return void hung.add(res);
    res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hung) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const options = { timeoutMs: 700, concurrency: 3, userAgent: 'Briefing link check (+https://briefing.test)' };
const facts = (url: string, line: number): BriefFacts => ({ id: `b${line}`, file: `briefs/b${line}.md`, url, urlAt: { line, col: 8 } });

describe('checkLinks', () => {
  it('names each answer: fine, dead, gone, a server error, a refusal, a chain of redirects, a loop, no answer', async () => {
    const urls = ['/ok', '/missing', '/gone', '/broken', '/robots-only', '/moved', '/loop-a', '/hang'].map((p) => base + p);
    const outcomes = await checkLinks(urls, options);
    expect([...outcomes.values()]).toEqual([
      { kind: 'ok', status: 200 },
      { kind: 'status', status: 404 },
      { kind: 'status', status: 410 },
      { kind: 'status', status: 500 },
      { kind: 'status', status: 403 },
      { kind: 'ok', status: 200 },
      { kind: 'redirect-loop', hops: 2 },
      { kind: 'timeout', ms: 700 },
    ]);
    expect(seen.every((line) => line.startsWith('GET ') && line.endsWith('Briefing link check (+https://briefing.test)'))).toBe(true);

    const problems = deadLinks(urls.map((u, i) => facts(u, i + 1)), outcomes).map(formatProblem);
    expect(problems).toEqual([
      'briefs/b2.md:2:8: source.url is dead: the site answers 404 Not Found',
      'briefs/b3.md:3:8: source.url is dead: the site answers 410 Gone',
      'briefs/b4.md:4:8: warning: source.url answers 500 (a server error); check it again before sending',
      'briefs/b5.md:5:8: warning: source.url answers 403; could not check that it works (sites often refuse robots this way)',
      'briefs/b7.md:7:8: source.url redirects in a loop (2 hops); readers would never reach the article',
      'briefs/b8.md:8:8: warning: could not check source.url: no answer within 1 s',
    ]);
  });

  it('without a network it says "could not check", a warning, and never fails the run', async () => {
    const closed = await freePort();
    const urls = ['https://briefing-link-check.invalid/article', `http://127.0.0.1:${closed}/article`];
    const outcomes = await checkLinks(urls, options);
    expect([...outcomes.values()].map((o) => o.kind)).toEqual(['unreachable', 'unreachable']);
    const problems = deadLinks(urls.map((u, i) => facts(u, i + 1)), outcomes);
    expect(problems.map((p) => p.severity)).toEqual(['warning', 'warning']);
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^could not check source\.url \((ENOTFOUND|EAI_AGAIN)/), expect.stringMatching(/^could not check source\.url \(ECONNREFUSED/)]);
  });

  it('asks for each URL once, however many briefs share it, and no more at once than the limit', async () => {
    let open = 0;
    let most = 0;
    const slow = http.createServer((_req, res) => {
      open += 1;
      most = Math.max(most, open);
      setTimeout(() => {
        open -= 1;
        res.end('ok');
      }, 60);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    try {
      const urls = Array.from({ length: 9 }, (_, i) => `${at}/${i}`);
      const outcomes = await checkLinks([...urls, ...urls], { ...options, concurrency: 2, timeoutMs: 5000 });
      expect(outcomes.size).toBe(9);
      expect(most).toBe(2);
    } finally {
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});
