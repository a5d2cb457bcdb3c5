/**
 * sendEdition against a real SMTP server: what each recipient gets, the
 * delivery log, retries, bounces, uncertain messages and idempotence.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { deliveriesFor, deliveryCounts } from '../../src/delivery/log.js';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { createSigner } from '../../src/delivery/tokens.js';
import { assembleEdition } from '../../src/editions/assemble.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { briefText, type TempProject } from '../helpers/project.js';
import { headerLine, parseMail, type SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, editionProject, useEditionAndSink } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
let db: Db;
useEditionAndSink((t) => ({ project, sink, db } = t));

const smtpConfig = () => project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });
const send = (extra: Partial<Parameters<typeof sendEdition>[1]> = {}) =>
  sendEdition(smtpConfig(), { edition: 'latest', log: silentLogger, progress: 'none', ...extra });

describe('sendEdition over SMTP', () => {
  it('sends one message per recipient with the right headers, both parts and the right theme variant', async () => {
    addSubscriber(db, { email: 'All@Example.com', name: 'Ada', source: 'test' });
    addSubscriber(db, { email: 'safety@example.com', themes: ['safety'], source: 'test' });
    addSubscriber(db, { email: 'chips@example.com', themes: ['export-controls'], source: 'test' });
    const summary = await send();
    expect(summary).toMatchObject({ sent: 2, failed: 0, bounced: 0, skipped: 1, total: 2 });

    expect(sink.messages).toHaveLength(2);
    for (const m of sink.messages) expect(m.to).toHaveLength(1);
    const byTo = new Map(sink.messages.map((m) => [m.to[0]!, m]));
    expect([...byTo.keys()].sort()).toEqual(['All@example.com', 'safety@example.com']);

    const all = await parseMail(byTo.get('All@example.com')!.raw);
    const safety = await parseMail(byTo.get('safety@example.com')!.raw);
    expect(all.from?.value[0]).toMatchObject({ address: 'briefing@briefing.test', name: 'Test Briefing' });
    expect(all.to && !Array.isArray(all.to) ? all.to.value.map((a) => a.address) : []).toEqual(['All@example.com']);
    expect(all.subject).toBeTruthy();
    expect(all.date).toBeInstanceOf(Date);
    const sub = findSubscriber(db, 'all@example.com')!;
    // It names the subscriber by a random id, never the row id (which told the list’s size).
    expect(all.messageId).toMatch(new RegExp(`^<${EDITION_ID}\\.${sub.publicId}\\.[A-Za-z0-9]+@briefing\\.test>$`));
    expect(sub.publicId).toMatch(/^[0-9a-f]{18}$/);

    // RFC 8058 headers, with a working token.
    const listUnsub = headerLine(all, 'list-unsubscribe');
    expect(listUnsub).toMatch(/^<https:\/\/briefing\.test\/unsubscribe\?token=[^>]+>$/);
    const unsubUrl = listUnsub.slice(1, -1);
    expect(headerLine(all, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    const token = new URL(unsubUrl).searchParams.get('token');
    expect(createSigner(SECRET).verify(db, 'unsubscribe', token)?.id).toBe(sub.id);

    // Both parts, personalised, with the same unsubscribe link in the body as in the header.
    expect(all.text).toContain('Open weights model tops leaderboard');
    expect(all.text).toContain('Safety institute publishes evaluation');
    expect(all.html).toContain('Open weights model tops leaderboard');
    expect(all.html).toContain(unsubUrl.replace(/&/g, '&amp;'));
    expect(all.text).toContain(unsubUrl);
    expect(all.text).not.toMatch(/BRIEFING_PH_/);
    expect(all.html).not.toMatch(/BRIEFING_PH_/);
    // The safety-only subscriber's variant has no open-source section.
    expect(safety.text).toContain('Safety institute publishes evaluation');
    expect(safety.text).not.toContain('Open weights model tops leaderboard');
    expect(safety.html).not.toContain('Open weights model tops leaderboard');

    expect(deliveryCounts(db, EDITION_ID)).toMatchObject({ sent: 2, pending: 0, sending: 0 });
  });

  it('refuses an edition with a broken brief, naming it, and sends nothing', async () => {
    addSubscriber(db, { email: 'a@example.com', source: 'test' });
    project.writeBrief('safety-news.md', '---\ntitle: Safety institute publishes evaluation\nthemes: [safety\n---\n- Evaluations found gaps.\n');
    const error = await send().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EDITION_INVALID' });
    expect((error as Error).message).toMatch(/editions\/2026-11-23\.md:1:1: .*brief 'safety-news' is missing, invalid or not ready/);
    expect(sink.messages).toHaveLength(0);
    expect(deliveryCounts(db, EDITION_ID)).toMatchObject({ pending: 0, sending: 0, sent: 0 });
  });

  it('the first message accepted records sent_at in the edition file, once; the edition is then frozen', async () => {
    addSubscriber(db, { email: 'ada@example.com', source: 'test' });
    const file = path.join(project.editionsDir, `${EDITION_ID}.md`);
    expect(readFileSync(file, 'utf8')).not.toMatch(/sent_at/);
    const before = Date.now();
    await send();
    const stamp = /^sent_at: "([^"]+)"$/m.exec(readFileSync(file, 'utf8'))?.[1];
    expect(Date.parse(stamp!)).toBeGreaterThanOrEqual(before - 1000);
    addSubscriber(db, { email: 'grace@example.com', source: 'test' });
    await send();
    expect(readFileSync(file, 'utf8').match(/sent_at/g)).toHaveLength(1);
    project.writeBrief('late.md', briefText({ title: 'Late news', themes: ['safety'], date: '2026-11-22' }));
    expect(await assembleEdition(project.config(), { date: EDITION_ID })).toMatchObject({ status: 'exists' });
  });

  it('a send that reaches nobody leaves the edition a draft', async () => {
    await send();
    expect(readFileSync(path.join(project.editionsDir, `${EDITION_ID}.md`), 'utf8')).not.toMatch(/sent_at/);
  });

  it('sending an edition twice sends nothing the second time, and Message-IDs are stable', async () => {
    addSubscriber(db, { email: 'a@example.com', source: 'test' });
    addSubscriber(db, { email: 'b@example.com', source: 'test' });
    expect((await send()).sent).toBe(2);
    const ids = deliveriesFor(db, EDITION_ID).map((d) => d.message_id);
    const second = await send();
    expect(second).toMatchObject({ sent: 0, total: 0, alreadySent: 2 });
    expect(sink.messages).toHaveLength(2);
    expect(deliveriesFor(db, EDITION_ID).map((d) => d.message_id)).toEqual(ids);
  });

  it('retries 421 and 451 with backoff, bounces and suppresses on 550, and fails after max_attempts', async () => {
    addSubscriber(db, { email: 'busy@example.com', source: 'test' });
    addSubscriber(db, { email: 'later@example.com', source: 'test' });
    addSubscriber(db, { email: 'gone@example.com', source: 'test' });
    addSubscriber(db, { email: 'never@example.com', source: 'test' });
    addSubscriber(db, { email: 'dropped@example.com', source: 'test' });
    sink.script(({ stage, to, attempt }) => {
      if (to === 'busy@example.com' && stage === 'rcpt' && attempt === 1) return { code: 421, message: 'Too busy' };
      if (to === 'later@example.com' && stage === 'data' && attempt <= 2) return { code: 451, message: 'Greylisted' };
      if (to === 'gone@example.com' && stage === 'rcpt') return { code: 550, message: 'No such user' };
      if (to === 'never@example.com' && stage === 'rcpt') return { code: 452, message: 'Mailbox full' };
      if (to === 'dropped@example.com' && stage === 'rcpt' && attempt === 1) return 'drop';
      return 'accept';
    });
    const summary = await send();
    expect(summary).toMatchObject({ sent: 3, bounced: 1, failed: 1, uncertain: 0 });
    expect(sink.countsByRecipient()).toEqual(new Map([['busy@example.com', 1], ['later@example.com', 1], ['dropped@example.com', 1]]));

    const rows = new Map(deliveriesFor(db, EDITION_ID).map((d) => [d.subscriber_id, d]));
    const row = (email: string) => rows.get(findSubscriber(db, email)!.id)!;
    expect(row('busy@example.com')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(row('later@example.com')).toMatchObject({ status: 'sent', attempts: 3 });
    expect(row('gone@example.com')).toMatchObject({ status: 'bounced', attempts: 1 });
    expect(row('gone@example.com').last_response).toMatch(/550/);
    expect(row('never@example.com')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(row('never@example.com').last_response).toMatch(/452/);
    expect(findSubscriber(db, 'gone@example.com')!.status).toBe('suppressed');
    expect(findSubscriber(db, 'never@example.com')!.status).toBe('confirmed');
  });

  it('a connection lost after DATA is recorded as uncertain and resent only with resendUncertain', async () => {
    addSubscriber(db, { email: 'maybe@example.com', source: 'test' });
    sink.script(({ stage, attempt }) => (stage === 'data' && attempt === 1 ? 'drop' : 'accept'));
    expect(await send()).toMatchObject({ sent: 0, uncertain: 1 });
    expect(sink.droppedAfterData).toHaveLength(1);
    expect(await send()).toMatchObject({ sent: 0, total: 0 });
    expect(sink.messages).toHaveLength(0);
    expect(await send({ resendUncertain: true })).toMatchObject({ sent: 1 });
    expect(sink.countsByRecipient().get('maybe@example.com')).toBe(1);
    expect(deliveryCounts(db, EDITION_ID)).toMatchObject({ sent: 1, uncertain: 0 });
  });

  it('a suppressed or unsubscribed address gets later editions no more', async () => {
    addSubscriber(db, { email: 'gone@example.com', source: 'test' });
    sink.script(({ stage }) => (stage === 'rcpt' ? { code: 550, message: 'No such user' } : 'accept'));
    expect(await send()).toMatchObject({ bounced: 1 });
    db.prepare('DELETE FROM deliveries').run();
    sink.script(() => 'accept');
    expect(await send()).toMatchObject({ total: 0, sent: 0 });
    expect(sink.messages).toHaveLength(0);
  });

  it('an aborted send finishes what is in flight and leaves the rest pending for the next run', async () => {
    for (let i = 0; i < 30; i++) addSubscriber(db, { email: `r${i}@example.com`, source: 'test' });
    const controller = new AbortController();
    sink.delayMs = 20;
    sink.script(() => {
      if (sink.messages.length >= 5) controller.abort();
      return 'accept';
    });
    const first = await send({ signal: controller.signal });
    expect(first.aborted).toBe(true);
    expect(first.sent).toBeLessThan(30);
    expect(first.sent + first.pending).toBe(30);
    expect(deliveryCounts(db, EDITION_ID)).toMatchObject({ sent: first.sent, pending: 30 - first.sent, sending: 0 });
    sink.delayMs = 0;
    const second = await send();
    expect(second.sent).toBe(30 - first.sent);
    expect([...sink.countsByRecipient().values()].every((n) => n === 1)).toBe(true);
    expect(sink.countsByRecipient().size).toBe(30);
  });
});

describe('the delivery log while sending', () => {
  it('checkpoints the WAL less often during a send and restores the setting afterwards, with every answer committed', async () => {
    for (let i = 0; i < 12; i++) addSubscriber(db, { email: `w${i}@example.com`, source: 'test' });
    db.pragma('wal_autocheckpoint = 1000');
    const summary = await send({ db });
    expect(summary.sent).toBe(12);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // Another connection (what a later run or the server sees) finds every answer committed.
    const other = openDatabase(project.dataDir);
    try {
      expect(deliveryCounts(other, EDITION_ID)).toMatchObject({ sent: 12, pending: 0, sending: 0 });
    } finally {
      other.close();
    }
  });
});

describe('abort during a retry backoff', () => {
  it('returns at once and leaves the waiting message pending', async () => {
    const slow = await editionProject({ delivery: { pool_size: 2, max_attempts: 5, retry_base_ms: 600_000 } });
    const slowDb = openDatabase(slow.dataDir);
    try {
      addSubscriber(slowDb, { email: 'busy@example.com', source: 'test' });
      const controller = new AbortController();
      sink.script(({ stage }) => {
        if (stage === 'rcpt') {
          setTimeout(() => controller.abort(), 50); // once the failure is recorded and the backoff has begun
          return { code: 451, message: 'Try later' };
        }
        return 'accept';
      });
      const summary = await sendEdition(slow.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET }), { edition: 'latest', log: silentLogger, progress: 'none', signal: controller.signal });
      expect(summary).toMatchObject({ aborted: true, sent: 0, failed: 0, pending: 1 });
      expect(deliveryCounts(slowDb, EDITION_ID)).toMatchObject({ pending: 1, sending: 0 });
    } finally {
      slowDb.close();
      slow.cleanup();
    }
  });
});

describe('progress and summary', () => {
  it('logs a line per 1,000 messages and a summary with counts, time and rate', async () => {
    const insert = db.prepare(`INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at) VALUES (?, ?, 'confirmed', 'test', 'now', 'now')`);
    db.transaction(() => {
      for (let i = 0; i < 2100; i++) insert.run(`r${i}@example.org`, `r${i}@example.org`);
    })();
    const lines: string[] = [];
    const summary = await send({ progress: 'lines', log: { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) } });
    expect(summary).toMatchObject({ sent: 2100, total: 2100 });
    expect(sink.messages).toHaveLength(2100);
    expect(lines.filter((l) => /^\s+\d+\/2100 messages$/.test(l))).toEqual(['  1000/2100 messages', '  2000/2100 messages']);
    expect(lines.at(-1)).toMatch(/^edition 2026-11-23: 2100 sent, 0 failed, 0 bounced, 0 uncertain, 0 skipped \(no matching theme\) in \d+\.\ds \([\d.]+ msg\/s\) via smtp:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('sendEdition without SMTP_URL', () => {
  it('writes one .eml per message under <dataDir>/outbox/<edition>/ with a local secret', async () => {
    addSubscriber(db, { email: 'a@example.com', source: 'test' });
    addSubscriber(db, { email: 'b@example.com', source: 'test' });
    const summary = await sendEdition(project.config(), { edition: EDITION_ID, log: silentLogger, progress: 'none' });
    expect(summary.sent).toBe(2);
    const dir = path.join(project.dataDir, 'outbox', EDITION_ID);
    expect(readdirSync(dir).sort()).toEqual(['a@example.com.eml', 'b@example.com.eml']);
    expect(readdirSync(project.dataDir)).toContain('secret');
  });

  it('refuses to send real mail without BRIEFING_SECRET', async () => {
    addSubscriber(db, { email: 'a@example.com', source: 'test' });
    await expect(sendEdition(project.config({ SMTP_URL: sink.url }), { edition: 'latest', log: silentLogger })).rejects.toThrow(/BRIEFING_SECRET is not set/);
    expect(sink.messages).toHaveLength(0);
  });

  it('dry run renders and counts but sends and records nothing', async () => {
    addSubscriber(db, { email: 'a@example.com', source: 'test' });
    addSubscriber(db, { email: 'c@example.com', themes: ['export-controls'], source: 'test' });
    const lines: string[] = [];
    const summary = await sendEdition(smtpConfig(), { edition: 'latest', dryRun: true, log: { info: (m) => lines.push(m), warn() {}, error() {} } });
    expect(summary).toMatchObject({ dryRun: true, total: 1, skipped: 1, sent: 0 });
    expect(sink.messages).toHaveLength(0);
    expect(deliveriesFor(db, EDITION_ID)).toEqual([]);
    expect(lines.join('\n')).toMatch(/would go to 1 subscriber/);
  });
});

describe('the duplicate window', () => {
  it('a connection sends its next message only after its previous answer is committed (so a kill -9 duplicates at most pool_size)', async () => {
    for (let i = 0; i < 40; i++) addSubscriber(db, { email: `d${i}@example.com`, source: 'test' });
    const ids = new Map((db.prepare('SELECT id, email FROM subscribers').all() as { id: number; email: string }[]).map((r) => [r.email, r.id]));
    // What a process started after a kill -9 would read: only committed rows.
    const reader = openDatabase(project.dataDir);
    const status = reader.prepare('SELECT status FROM deliveries WHERE edition_id = ? AND subscriber_id = ?');
    const lastAccepted = new Map<string, string>();
    const notOnRecord: string[] = [];
    let accepted = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          // The whole message is here: the answer to this connection's previous message must be on record.
          const previous = lastAccepted.get(session.id);
          const row = previous ? (status.get(EDITION_ID, ids.get(previous)) as { status: string } | undefined) : undefined;
          if (previous && row?.status !== 'sent') notOnRecord.push(`${previous}: ${row?.status}`);
          lastAccepted.set(session.id, session.envelope.rcptTo[0]!.address);
          accepted += 1;
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.server.address() as AddressInfo;
    try {
      const summary = await sendEdition(project.config({ SMTP_URL: `smtp://127.0.0.1:${port}`, BRIEFING_SECRET: SECRET }), { edition: 'latest', log: silentLogger, progress: 'none' });
      expect(summary).toMatchObject({ sent: 40, failed: 0 });
      expect(accepted).toBe(40);
      expect(lastAccepted.size).toBeLessThanOrEqual(3); // pool_size connections
      expect(notOnRecord).toEqual([]);
      expect(deliveryCounts(reader, EDITION_ID)).toMatchObject({ sent: 40, pending: 0, sending: 0 });
    } finally {
      reader.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
