/**
 * The HTTP server with real requests: static files (and traversal attempts),
 * double opt-in, preferences, RFC 8058 one-click unsubscribe, bad tokens and
 * error pages.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { createSigner } from '../../src/delivery/tokens.js';
import { createSmtpTransport } from '../../src/delivery/smtp-pool.js';
import type { Transport } from '../../src/delivery/transport.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { tempProject, type TempProject } from '../helpers/project.js';
import { parseMail, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const SECRET = 'server-test-secret-0123456789abcdef';
const signer = createSigner(SECRET);

let project: TempProject;
let sink: SmtpSink;
let transport: Transport;
let db: Db;
let server: RunningServer;
let dist: string;

beforeEach(async () => {
  project = tempProject({ config: { server: { subscribe_per_hour: 3 } } });
  dist = path.join(project.root, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  mkdirSync(path.join(dist, 'editions', '2026-11-23'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Home</title><h1>Archive home</h1>');
  writeFileSync(path.join(dist, 'assets', 'site.css'), 'body{color:red}');
  writeFileSync(path.join(dist, 'editions', '2026-11-23', 'index.html'), '<h1>Edition 1</h1>');
  writeFileSync(path.join(dist, 'feed.xml'), '<?xml version="1.0"?><feed/>');
  writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(project.root, 'secret.txt'), 'TOP SECRET OUTSIDE DIST');
  sink = await startSmtpSink();
  transport = createSmtpTransport(sink.url, { poolSize: 1, ratePerSecond: 0 });
  db = openDatabase(project.dataDir);
  server = await startServer(project.config({ BRIEFING_SECRET: SECRET }), { distDir: dist, port: 0, host: '127.0.0.1', log: silentLogger, transport, db });
});
afterEach(async () => {
  await server.close();
  await transport.close();
  await sink.close();
  db.close();
  project.cleanup();
});

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const form = (data: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(data)) for (const value of [v].flat()) body.append(k, value);
  return body;
};

describe('static files', () => {
  it('serves dist/ with content types, index.html for folders and security headers', async () => {
    const home = await fetch(server.url + '/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.headers.get('x-content-type-options')).toBe('nosniff');
    expect(home.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await home.text()).toContain('Archive home');
    expect((await fetch(server.url + '/assets/site.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(server.url + '/feed.xml')).headers.get('content-type')).toMatch(/^application\/atom\+xml/);
    const edition = await fetch(server.url + '/editions/2026-11-23/');
    expect(await edition.text()).toContain('Edition 1');
    const noSlash = await fetch(server.url + '/editions/2026-11-23', { redirect: 'manual' });
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.get('location')).toBe('/editions/2026-11-23/');
    const missing = await fetch(server.url + '/nope.html');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Page not found');
  });

  it('sends a browser asking for /favicon.ico to the site’s icon (regression: a 404 on every public email copy)', async () => {
    const icon = await fetch(server.url + '/favicon.ico', { redirect: 'manual' });
    expect(icon.status).toBe(301);
    expect(icon.headers.get('location')).toBe('/favicon.svg');
    expect((await fetch(server.url + '/favicon.ico')).headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/..%5csecret.txt',
    '/index.html%00.css',
    '/%00',
    '//secret.txt',
    '/.%2e/secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
  ])('refuses the traversal attempt %s with a 404', async (attempt) => {
    const res = await rawGet(attempt);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('TOP SECRET');
  });

  it('refuses methods other than GET and HEAD for files', async () => {
    expect((await fetch(server.url + '/index.html', { method: 'DELETE' })).status).toBe(405);
    const head = await fetch(server.url + '/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('double opt-in', () => {
  it('records a pending subscriber, mails only a confirmation link, and confirms on POST (not on GET)', async () => {
    const res = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: '  New.Reader@Example.COM ', themes: ['safety'] }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
    const pending = findSubscriber(db, 'new.reader@example.com')!;
    expect(pending).toMatchObject({ email: 'New.Reader@example.com', status: 'pending', themes: ['safety'] });

    await server.drainConfirmations();
    expect(sink.messages).toHaveLength(1);
    const mail = await parseMail(sink.messages[0]!.raw);
    expect(sink.messages[0]!.to).toEqual(['New.Reader@example.com']);
    const link = /https:\/\/briefing\.test\/confirm\?token=[A-Za-z0-9._%-]+/.exec(mail.text ?? '')![0];
    const local = server.url + new URL(link).pathname + new URL(link).search;

    const get = await fetch(local);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('Confirm my subscription');
    expect(findSubscriber(db, 'new.reader@example.com')!.status).toBe('pending');

    // A correctly signed link older than the confirmation lifetime (7 days) is refused and confirms nothing.
    const requestedAt = findSubscriber(db, 'new.reader@example.com')!.requestedAt;
    db.prepare('UPDATE subscribers SET requested_at = ? WHERE id = ?').run(new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString(), pending.id);
    const stale = `${server.url}/confirm?token=${signer.sign('confirm', findSubscriber(db, 'new.reader@example.com')!)}`;
    expect((await fetch(stale, { method: 'POST' })).status).toBe(404);
    expect(findSubscriber(db, 'new.reader@example.com')!.status).toBe('pending');
    db.prepare('UPDATE subscribers SET requested_at = ? WHERE id = ?').run(requestedAt, pending.id);

    const post = await fetch(local, { method: 'POST' });
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('You are subscribed');
    expect(findSubscriber(db, 'new.reader@example.com')!.status).toBe('confirmed');
  });

  it('someone else’s request for a pending address changes nothing the owner’s earlier link confirms', async () => {
    await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'owner@example.com', themes: ['safety'] }) });
    await server.drainConfirmations();
    const ownerLink = /\/confirm\?token=[A-Za-z0-9._%-]+/.exec((await parseMail(sink.messages[0]!.raw)).text ?? '')![0];
    // A stranger who knows the address asks again, for other themes.
    expect((await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'owner@example.com', themes: ['export-controls'] }) })).status).toBe(200);
    expect(findSubscriber(db, 'owner@example.com')!.themes).toEqual(['safety']);
    // The mail that went out again carries the same link; it confirms the owner's own choice.
    await server.drainConfirmations();
    const again = /\/confirm\?token=[A-Za-z0-9._%-]+/.exec((await parseMail(sink.messages[1]!.raw)).text ?? '')![0];
    expect(again).toBe(ownerLink);
    expect((await fetch(server.url + ownerLink, { method: 'POST' })).status).toBe(200);
    expect(findSubscriber(db, 'owner@example.com')).toMatchObject({ status: 'confirmed', themes: ['safety'] });
  });

  it('a confirmed subscriber’s confirm link hands out no preferences link, and dies with its lifetime', async () => {
    await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'done@example.com', themes: ['safety'] }) });
    await server.drainConfirmations();
    const link = server.url + /\/confirm\?token=[A-Za-z0-9._%-]+/.exec((await parseMail(sink.messages[0]!.raw)).text ?? '')![0];
    expect(await (await fetch(link, { method: 'POST' })).text()).toContain('/preferences?token=');
    // Used again (a forwarded mail, a leaked link): it says so, and gives no key to the subscription.
    for (const method of ['GET', 'POST']) {
      const res = await fetch(link, { method });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain('Already confirmed');
      expect(body).not.toContain('/preferences?token=');
    }
    const id = findSubscriber(db, 'done@example.com')!.id;
    db.prepare('UPDATE subscribers SET requested_at = ? WHERE id = ?').run(new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString(), id);
    const old = `${server.url}/confirm?token=${signer.sign('confirm', findSubscriber(db, 'done@example.com')!)}`;
    expect((await fetch(old)).status).toBe(404);
  });

  it('answers the same whether or not the address is already subscribed, and mails a confirmed address nothing', async () => {
    addSubscriber(db, { email: 'known@example.com', source: 'test' });
    const known = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'known@example.com' }) });
    const fresh = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'fresh@example.com' }) });
    expect(known.status).toBe(fresh.status);
    expect((await known.text()).replace('known@example.com', 'X')).toBe((await fresh.text()).replace('fresh@example.com', 'X'));
    await server.drainConfirmations();
    expect(sink.messages.map((m) => m.to[0])).toEqual(['fresh@example.com']);
  });

  it('refuses an invalid address or theme with 400 and records nothing', async () => {
    const bad = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'not an address' }) });
    expect(bad.status).toBe(400);
    const theme = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'a@example.com', themes: 'astrology' }) });
    expect(theme.status).toBe(400);
    expect(await theme.text()).toContain('unknown theme');
    expect(db.prepare('SELECT COUNT(*) AS n FROM subscribers').get()).toEqual({ n: 0 });
  });

  it('a mistake in the form keeps the address and exactly the ticked themes; ticking none is an error, not "every theme"', async () => {
    const ticked = (html: string) => [...html.matchAll(/<input type="checkbox"[^>]*>/g)].filter((m) => /\schecked/.test(m[0])).map((m) => /value="([^"]+)"/.exec(m[0])![1]);
    const bad = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'not-an-address', themes: ['safety', 'export-controls'], 'themes-shown': '1' }) });
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain('Please enter a valid email address.');
    expect(page).toContain('value="not-an-address"');
    expect(ticked(page)).toEqual(['safety', 'export-controls']);

    const none = await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'picky@example.com', 'themes-shown': '1' }) });
    expect(none.status).toBe(400);
    const nonePage = await none.text();
    expect(nonePage).toContain('Choose at least one theme');
    expect(nonePage).toContain('value="picky@example.com"');
    expect(ticked(nonePage)).toEqual([]);
    expect(findSubscriber(db, 'picky@example.com')).toBeUndefined();
  });

  it('rate-limits per address and per IP (subscribe_per_hour)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'same@example.com' }) })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // The IP has used its allowance too.
    expect((await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'other@example.com' }) })).status).toBe(429);
    await server.drainConfirmations();
    expect(sink.messages).toHaveLength(3);
    // Without server.trust_proxy, a client cannot dodge the limit with X-Forwarded-For.
    const spoofed = await fetch(server.url + '/subscribe', { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.9' }, body: form({ email: 'third@example.com' }) });
    expect(spoofed.status).toBe(429);
  });
});

describe('subscribe abuse', () => {
  it('the per-address limit holds across a restart of the server (it was kept in memory)', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(server.url + '/subscribe', { method: 'POST', headers: { 'x-forwarded-for': `203.0.113.${i}` }, body: form({ email: 'target@example.com' }) })).status).toBe(200);
    await server.close();
    server = await startServer(project.config({ BRIEFING_SECRET: SECRET }), { distDir: dist, port: 0, host: '127.0.0.1', log: silentLogger, transport, db });
    expect((await fetch(server.url + '/subscribe', { method: 'POST', body: form({ email: 'target@example.com' }) })).status).toBe(429);
    await server.drainConfirmations();
    expect(sink.messages).toHaveLength(3);
    // Stored as hashes: no address or IP in the table.
    const keys = (db.prepare('SELECT key FROM rate_hits').all() as { key: string }[]).map((r) => r.key).join(' ');
    expect(keys).not.toMatch(/target|example|127\.0\.0\.1/);
  });

  it('refuses a POST from another site’s page (Origin, Sec-Fetch-Site), and takes one from its own', async () => {
    const post = (headers: Record<string, string>, email: string) => fetch(server.url + '/subscribe', { method: 'POST', headers, body: form({ email }) });
    const evil = await post({ origin: 'https://evil.example' }, 'victim@example.com');
    expect(evil.status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' }, 'victim@example.com')).status).toBe(403);
    expect(findSubscriber(db, 'victim@example.com')).toBeUndefined();
    await server.drainConfirmations();
    expect(sink.messages).toHaveLength(0);
    expect((await post({ origin: new URL(server.url).origin }, 'own@example.com')).status).toBe(200);
    expect((await post({ origin: 'https://briefing.test' }, 'public@example.com')).status).toBe(200);
  });
});

describe('behind a reverse proxy (server.trust_proxy)', () => {
  it('limits per client address taken from X-Forwarded-For', async () => {
    // The config from beforeEach has trust_proxy off; turn it on for this server only.
    const config = project.config({ BRIEFING_SECRET: SECRET });
    const behindProxy = await startServer({ ...config, server: { ...config.server, trust_proxy: true } }, { distDir: dist, port: 0, log: silentLogger, transport, db });
    try {
      const post = (ip: string, email: string) =>
        fetch(behindProxy.url + '/subscribe', { method: 'POST', headers: { 'x-forwarded-for': `198.51.100.1, ${ip}` }, body: form({ email }) });
      const a = [];
      for (let i = 0; i < 4; i++) a.push((await post('203.0.113.1', `a${i}@example.com`)).status);
      expect(a).toEqual([200, 200, 200, 429]);
      expect((await post('203.0.113.2', 'b@example.com')).status).toBe(200);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('unsubscribe (RFC 8058) and preferences', () => {
  const tokenFor = (purpose: 'unsubscribe' | 'preferences') => signer.sign(purpose, findSubscriber(db, 'reader@example.com')!);
  beforeEach(() => {
    addSubscriber(db, { email: 'reader@example.com', source: 'test' });
  });

  it('GET shows a button and changes nothing', async () => {
    const res = await fetch(`${server.url}/unsubscribe?token=${tokenFor('unsubscribe')}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<form method="post"');
    expect(body).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(findSubscriber(db, 'reader@example.com')!.status).toBe('confirmed');
  });

  it('one-click POST (urlencoded, no cookie) unsubscribes with 200 and no redirect, and is idempotent', async () => {
    const url = `${server.url}/unsubscribe?token=${tokenFor('unsubscribe')}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      redirect: 'manual',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(findSubscriber(db, 'reader@example.com')!.status).toBe('unsubscribed');
    const again = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(again.status).toBe(200);
    expect(findSubscriber(db, 'reader@example.com')!.status).toBe('unsubscribed');
  });

  it('one-click POST as multipart/form-data works too', async () => {
    const body = new FormData();
    body.append('List-Unsubscribe', 'One-Click');
    const res = await fetch(`${server.url}/unsubscribe?token=${tokenFor('unsubscribe')}`, { method: 'POST', body, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(findSubscriber(db, 'reader@example.com')!.status).toBe('unsubscribed');
  });

  it('a forged, truncated or wrong-purpose token is a 404 and changes nothing', async () => {
    const good = tokenFor('unsubscribe');
    const forged = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
    for (const token of [forged, good.slice(0, -1), tokenFor('preferences'), '1.x', '', '../../etc']) {
      const res = await fetch(`${server.url}/unsubscribe?token=${encodeURIComponent(token)}`, { method: 'POST', body: form({ 'List-Unsubscribe': 'One-Click' }) });
      expect(res.status).toBe(404);
    }
    expect((await fetch(`${server.url}/preferences?token=${encodeURIComponent(forged)}`)).status).toBe(404);
    expect(findSubscriber(db, 'reader@example.com')!.status).toBe('confirmed');
  });

  it('preferences: GET shows the themes; POST changes them', async () => {
    const url = `${server.url}/preferences?token=${tokenFor('preferences')}`;
    const page = await (await fetch(url)).text();
    expect(page.match(/type="checkbox"[^>]*checked/g)).toHaveLength(3);
    const saved = await fetch(url, { method: 'POST', body: form({ themes: ['safety', 'export-controls'] }) });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain('Saved.');
    expect(findSubscriber(db, 'reader@example.com')!.themes).toEqual(['safety', 'export-controls']);
    // The form marks that it showed the boxes: none ticked is then a mistake, not "every theme".
    const none = await fetch(url, { method: 'POST', body: form({ 'themes-shown': '1' }) });
    expect(await none.text()).toContain('Choose at least one theme');
    expect(findSubscriber(db, 'reader@example.com')!.themes).toEqual(['safety', 'export-controls']);
  });

  it('an internal error answers a generic 500 page without a stack trace', async () => {
    const token = tokenFor('unsubscribe');
    db.close(); // every query now throws
    const res = await fetch(`${server.url}/unsubscribe?token=${token}`);
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('Something went wrong');
    expect(body).not.toMatch(/\s+at \S+ \(|SqliteError|TypeError|better-sqlite3|connection is not open/);
    db = openDatabase(project.dataDir);
  });
});
