/**
 * Bounces and complaints after acceptance: a send to a real SMTP server on
 * 127.0.0.1 with VERP envelope senders, then the reports (fixtures in
 * tests/fixtures/bounces/, filled in with this send's addresses) imported as
 * .eml files, an mbox and a Maildir into a real SQLite file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importReports } from '../../src/bounces/import.js';
import { deliveriesFor } from '../../src/delivery/log.js';
import { writeEdition } from '../../src/editions/store.js';
import { messageIdFor } from '../../src/delivery/mime.js';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { bounceAddress, parseBounceAddress } from '../../src/delivery/verp.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { FIXTURES, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, editionProject, runCliAsync } from '../delivery/edition-project.js';

const DOMAIN = 'bounces.briefing.test';
let project: TempProject;
let sink: SmtpSink;
let db: Db;
const config = () => project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });

beforeEach(async () => {
  project = await editionProject({ delivery: { bounce_domain: DOMAIN } });
  sink = await startSmtpSink();
  db = openDatabase(project.dataDir);
  for (const name of ['ada', 'grace', 'linus']) addSubscriber(db, { email: `${name}@example.com`, source: 'test' });
  await sendEdition(config(), { edition: EDITION_ID, log: silentLogger, progress: 'none' });
});
afterEach(async () => {
  db.close();
  await sink.close();
  project.cleanup();
});

/** A fixture filled in for one subscriber of this send: their address, VERP address and Message-ID. */
function report(fixture: string, email: string, options: { verp?: boolean } = {}): string {
  const id = findSubscriber(db, email)!.publicId;
  const verp = options.verp === false ? 'briefing@briefing.test' : bounceAddress(SECRET, DOMAIN, { editionId: EDITION_ID, subscriber: id });
  return readFileSync(path.join(FIXTURES, 'bounces', fixture), 'utf8')
    .replaceAll('{{EMAIL}}', email)
    .replaceAll('{{VERP}}', verp)
    .replaceAll('{{MESSAGE_ID}}', messageIdFor(EDITION_ID, id, 'briefing@briefing.test'));
}
const write = (name: string, text: string) => {
  const file = path.join(project.root, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};
const recorder = () => {
  const lines: string[] = [];
  const log: Logger = { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) };
  return { log, lines };
};

describe('VERP', () => {
  it('every message went out from a signed bounce address naming its edition and subscriber', () => {
    expect(sink.messages).toHaveLength(3);
    for (const m of sink.messages) {
      const tag = parseBounceAddress(SECRET, m.from);
      expect(tag).toEqual({ editionId: EDITION_ID, subscriber: findSubscriber(db, m.to[0]!)!.publicId });
    }
    // A forged one (another subscriber's id under the same MAC) is not ours.
    expect(parseBounceAddress(SECRET, sink.messages[0]!.from.replace(/\.([0-9a-f]{18})\./, '.999.'))).toBeUndefined();
    const [a, b] = sink.messages.map((m) => /\.([0-9a-f]{18})\./.exec(m.from)![1]!);
    expect(parseBounceAddress(SECRET, sink.messages[0]!.from.replace(a!, b!))).toBeUndefined();
    // It names the subscriber by a random id, never the row id (which told the list's size).
    expect(sink.messages.every((m) => !/\+\d{4}-\d\d-\d\d\.\d{1,15}\./.test(m.from))).toBe(true);
  });
});

describe('briefing bounces import', () => {
  it('a hard bounce DSN suppresses the address and marks the delivery bounced; the next edition skips it', async () => {
    const file = write('in/hard.eml', report('postfix-hard.eml', 'ada@example.com'));
    const summary = await importReports(db, config(), [file], silentLogger);
    expect(summary).toMatchObject({ messages: 1, hard: 1, ignored: 0 });
    expect(findSubscriber(db, 'ada@example.com')).toMatchObject({ status: 'suppressed', suppressedReason: expect.stringMatching(/^hard bounce on edition 2026-11-23: 550 5\.1\.1/) });
    const row = deliveriesFor(db, EDITION_ID).find((d) => d.subscriber_id === findSubscriber(db, 'ada@example.com')!.id);
    expect(row).toMatchObject({ status: 'bounced', class: 'hard' });

    await writeEdition(project.editionsDir, { number: 2, date: '2026-11-30', briefs: ['open-weights-news', 'safety-news'], note: '' });
    const next = await sendEdition(config(), { edition: '2026-11-30', log: silentLogger, progress: 'none' });
    expect(next.sent).toBe(2);
    expect(sink.messages.slice(3).map((m) => m.to[0]).sort()).toEqual(['grace@example.com', 'linus@example.com']);
  });

  it('the same report imported twice is applied once', async () => {
    const file = write('in/hard.eml', report('postfix-hard.eml', 'ada@example.com'));
    await importReports(db, config(), [file], silentLogger);
    const second = await importReports(db, config(), [file], silentLogger);
    expect(second).toMatchObject({ hard: 0, duplicates: 1 });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM delivery_events WHERE source = 'dsn'`).get()).toEqual({ n: 1 });
  });

  it('a complaint (ARF) unsubscribes at once; a block suppresses nobody; a delay changes nothing', async () => {
    const dir = path.join(project.root, 'maildir');
    write('maildir/new/1.eml', report('arf-complaint.eml', 'grace@example.com'));
    write('maildir/cur/2.eml', report('postfix-blocked.eml', 'linus@example.com'));
    write('maildir/cur/3.eml', report('postfix-delayed.eml', 'ada@example.com'));
    const summary = await importReports(db, config(), [dir], silentLogger);
    expect(summary).toMatchObject({ messages: 3, complaints: 1, blocked: 1, delayed: 1, hard: 0 });
    expect(findSubscriber(db, 'grace@example.com')!.status).toBe('unsubscribed');
    expect(findSubscriber(db, 'linus@example.com')!.status).toBe('confirmed');
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('confirmed');
  });

  it('reads an mbox, finds a plain-text bounce by the Message-ID it quotes, and says what it leaves alone', async () => {
    const mbox = [
      `From MAILER-DAEMON Mon Nov 23 12:01:00 2026\n${report('exim-plain-hard.eml', 'linus@example.com', { verp: false })}`,
      `From someone Mon Nov 23 12:02:00 2026\n${readFileSync(path.join(FIXTURES, 'bounces/not-a-report.eml'), 'utf8')}`,
      // A DSN about mail Briefing never sent: no VERP address, a Message-ID that is not ours.
      `From MAILER-DAEMON Mon Nov 23 12:03:00 2026\n${report('postfix-hard.eml', 'ada@example.com', { verp: false }).replace(/Message-ID: <[^>]+>/, 'Message-ID: <other@elsewhere.org>')}`,
    ].join('\n');
    const file = write('bounces.mbox', mbox);
    const { log, lines } = recorder();
    const summary = await importReports(db, config(), [file], log);
    expect(summary).toMatchObject({ messages: 3, hard: 1, ignored: 2 });
    expect(findSubscriber(db, 'linus@example.com')!.status).toBe('suppressed');
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('confirmed');
    expect(lines).toContain(`${file}:3: not a bounce or complaint report; nothing changed`.replace(':3:', `:${mbox.split('\n').findIndex((l) => l.startsWith('From someone')) + 1}:`));
    expect(lines.some((l) => /not about a message Briefing sent/.test(l))).toBe(true);
  });

  it('reads a large mbox as a stream: a message larger than any report is skipped and named, the reports after it applied', async () => {
    const huge = `Subject: an attachment nobody wanted\nFrom: someone@example.org\n\n${`${'x'.repeat(999)}\n`.repeat(12 * 1024)}`;
    const mbox = `From someone Mon Nov 23 12:00:00 2026\n${huge}\nFrom MAILER-DAEMON Mon Nov 23 12:01:00 2026\n${report('postfix-hard.eml', 'ada@example.com')}`;
    const file = write('big.mbox', mbox);
    const { log, lines } = recorder();
    expect(await importReports(db, config(), [file], log)).toMatchObject({ messages: 2, hard: 1, ignored: 1 });
    expect(lines[0]).toBe(`${file}:1: skipped: larger than 10 MB`);
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('suppressed');
  });

  it('a malformed file and a missing path are named, and change nothing', async () => {
    const file = write('in/garbage.eml', '\u0000\u0001 not mail at all');
    const { log, lines } = recorder();
    const summary = await importReports(db, config(), [file], log);
    expect(summary).toMatchObject({ messages: 1, ignored: 1, hard: 0 });
    expect(lines[0]).toMatch(/garbage\.eml: not a bounce or complaint report; nothing changed/);
    await expect(importReports(db, config(), [path.join(project.root, 'nope')], log)).rejects.toThrow(/cannot read it/);
  });
});

describe('the CLI: bounces import, then status', () => {
  const cli = (args: string[]) =>
    runCliAsync(args, { cwd: project.root, env: { BRIEFING_DATA_DIR: project.dataDir, SMTP_URL: sink.url, BRIEFING_SECRET: SECRET } });

  it('shows the hard bounce and the complaint per edition, and --missing names who did not get it and why', async () => {
    write('in/a.eml', report('postfix-hard.eml', 'ada@example.com'));
    write('in/b.eml', report('arf-complaint.eml', 'grace@example.com'));
    db.close();
    const imported = await cli(['bounces', 'import', path.join(project.root, 'in')]);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/2 messages read: 1 hard bounce, 0 soft, 0 blocked, 0 unknown, 1 complaint/);

    const status = await cli(['status']);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/edition 2026-11-23: 2 sent, 0 blocked, 1 hard bounced, 0 soft bounced, 1 complaint, 0 failed, 0 pending/);
    expect(status.stdout).toMatch(/1 × 550 5\.1\.1 <ada@example\.com>: Recipient address rejected/);

    const missing = await cli(['status', EDITION_ID, '--missing', '--json']);
    const parsed = JSON.parse(missing.stdout) as { sent: number; missing: { email: string; status: string; why: string }[] };
    expect(parsed.sent).toBe(2);
    expect(parsed.missing).toEqual([{ email: 'ada@example.com', status: 'bounced', why: expect.stringMatching(/^hard: 550 5\.1\.1/) }]);
    db = openDatabase(project.dataDir);
  });

  it('--missing without an edition is a usage error', async () => {
    const result = await cli(['status', '--missing']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--missing needs an edition/);
  });
});
