/**
 * Outbox mode, as a new user meets it: no SMTP_URL, `briefing serve` and
 * `briefing send` from the real CLI. The links in the .eml files point at the
 * local server, so confirm, preferences and unsubscribe can be clicked
 * through; the same send over SMTP carries site.base_url.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findSubscriber } from '../../src/delivery/subscribers.js';
import { openDatabase } from '../../src/store/db.js';
import { CLI, type TempProject } from '../helpers/project.js';
import { freePort } from '../helpers/ports.js';
import { headerLine, parseMail, startSmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, editionProject, runCliAsync } from './edition-project.js';

let project: TempProject;
let port: number;
let server: ChildProcess | undefined;
beforeEach(async () => {
  project = await editionProject();
  port = await freePort();
  mkdirSync(path.join(project.root, 'dist'), { recursive: true });
  writeFileSync(path.join(project.root, 'dist', 'index.html'), '<h1>Archive</h1>');
});
afterEach(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  project.cleanup();
});

// No SMTP_URL: mail goes to <data>/outbox/. PORT is where `briefing serve` listens.
const env = (extra: NodeJS.ProcessEnv = {}) => {
  const { SMTP_URL: _unset, ...rest } = process.env;
  return { ...rest, BRIEFING_DATA_DIR: project.dataDir, BRIEFING_SECRET: SECRET, PORT: String(port), ...extra };
};

async function serve(): Promise<string> {
  server = spawn(process.execPath, [CLI, 'serve'], { cwd: project.root, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise<string>((resolve, reject) => {
    server!.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const m = /at (http:\/\/[^\s]+?)\s/.exec(out);
      if (m) resolve(m[1]!.replace(/\/$/, ''));
    });
    server!.on('exit', () => reject(new Error(`serve exited: ${out}`)));
  });
}

/** The subscriber's status as the database has it now (the server holds its own connection). */
function statusOf(email: string): string | undefined {
  const db = openDatabase(project.dataDir);
  try {
    return findSubscriber(db, email)?.status;
  } finally {
    db.close();
  }
}

/** The first .eml in `dir` once it is there (confirmations are sent in the background). */
async function firstMail(dir: string) {
  for (let i = 0; i < 200; i++) {
    const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.eml')) : undefined;
    if (file) return parseMail(readFileSync(path.join(dir, file)));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail in ${dir}`);
}

const linkTo = (text: string, route: string) => {
  const m = new RegExp(`https?://[^\\s"<>]+/${route}\\?token=[\\w.-]+`).exec(text);
  if (!m) throw new Error(`no ${route} link in:\n${text}`);
  return m[0];
};

describe('outbox links point at the local server', { timeout: 120_000 }, () => {
  it('a reader subscribes, confirms, manages themes and unsubscribes by following the links in the .eml files', async () => {
    const url = await serve();
    expect(url).toBe(`http://127.0.0.1:${port}`);
    const subscribed = await fetch(`${url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email: 'new@example.org', themes: 'all' }) });
    expect(subscribed.status).toBe(200);

    const confirmation = await firstMail(path.join(project.dataDir, 'outbox', 'confirmations'));
    const confirm = linkTo(confirmation.text ?? '', 'confirm');
    expect(confirm.startsWith(`${url}/confirm?token=`)).toBe(true);
    // The link opens a page whose button confirms (a POST to the same address: link scanners only GET).
    const landing = await fetch(confirm);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('Confirm my subscription');
    const confirmed = await fetch(confirm, { method: 'POST', body: new URLSearchParams() });
    expect(confirmed.status).toBe(200);
    expect(statusOf('new@example.org')).toBe('confirmed');

    const sent = await runCliAsync(['send', EDITION_ID], { cwd: project.root, env: env() });
    expect(sent.stderr.replace(/.*BRIEFING_SECRET is not set.*\n/, '')).toBe('');
    expect(sent.status).toBe(0);
    const edition = await firstMail(path.join(project.dataDir, 'outbox', EDITION_ID));
    const preferences = linkTo(edition.text ?? '', 'preferences');
    expect(preferences.startsWith(`${url}/preferences?token=`)).toBe(true);
    const oneClick = headerLine(edition, 'list-unsubscribe').match(/<(http[^>]+)>/)![1]!;
    expect(oneClick.startsWith(`${url}/unsubscribe?token=`)).toBe(true);
    // Archive links in the edition stay on the site's address: they are the public pages.
    expect(edition.text).toContain('https://briefing.test/');

    const page = await fetch(preferences);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('new@example.org');
    const unsubscribed = await fetch(oneClick, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(unsubscribed.status).toBe(200);
    expect(statusOf('new@example.org')).toBe('unsubscribed');
  });

  it('mail sent over SMTP carries site.base_url, never the local server', async () => {
    const sink = await startSmtpSink();
    try {
      expect((await runCliAsync(['subscribers', 'add', 'reader@example.org'], { cwd: project.root, env: env() })).status).toBe(0);
      const sent = await runCliAsync(['send', EDITION_ID], { cwd: project.root, env: env({ SMTP_URL: sink.url }) });
      expect(sent.status, sent.stderr).toBe(0);
      const mail = await parseMail(sink.messages[0]!.raw);
      expect(linkTo(mail.text ?? '', 'preferences').startsWith('https://briefing.test/preferences?token=')).toBe(true);
      expect(headerLine(mail, 'list-unsubscribe')).toMatch(/<https:\/\/briefing\.test\/unsubscribe\?token=/);
      expect(mail.text).not.toContain('127.0.0.1');
    } finally {
      await sink.close();
    }
  });
});
