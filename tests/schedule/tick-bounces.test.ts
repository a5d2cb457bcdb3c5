/**
 * Each tick reads the bounce mailbox before it sends (Dovecot on 127.0.0.1),
 * so an address that bounced since the last edition gets no more; a mailbox
 * that cannot be read is logged and never stops the send.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/delivery/mime.js';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { bounceAddress } from '../../src/delivery/verp.js';
import type { Logger } from '../../src/log.js';
import { runTick } from '../../src/schedule/tick.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { FIXTURES, briefText, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const DOMAIN = 'bounces.briefing.test';
let project: TempProject;
let sink: SmtpSink;
let dovecot: Dovecot;
let db: Db;
let lines: string[];
const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
const config = () => project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET, BOUNCE_IMAP_URL: dovecot.url });

beforeEach(async () => {
  [sink, dovecot] = await Promise.all([startSmtpSink(), startDovecot()]);
  project = tempProject({ config: { delivery: { pool_size: 1, retry_base_ms: 0, bounce_domain: DOMAIN } } });
  project.writeBrief('first.md', briefText({ title: 'First brief', date: '2026-11-19', source: { name: 'Example News', url: 'https://example.org/first' } }));
  db = openDatabase(project.dataDir);
  for (const email of ['ada@example.com', 'grace@example.com']) addSubscriber(db, { email, source: 'test' });
  lines = [];
});
afterEach(async () => {
  db.close();
  await Promise.all([sink.close(), dovecot.stop()]);
  project.cleanup();
});

describe('a tick and the bounce mailbox', () => {
  it('applies the bounces that came since the last tick before sending the next edition', async () => {
    expect(await runTick(config(), { log, reason: 'manual', now: new Date('2026-11-23T08:00:00Z') })).toMatchObject({ status: 'sent', sent: 2 });
    const ada = findSubscriber(db, 'ada@example.com')!.publicId;
    dovecot.deliver(
      'bounce',
      readFileSync(path.join(FIXTURES, 'bounces/postfix-hard.eml'), 'utf8')
        .replaceAll('{{EMAIL}}', 'ada@example.com')
        .replaceAll('{{VERP}}', bounceAddress(SECRET, DOMAIN, { editionId: '2026-11-23', subscriber: ada }))
        .replaceAll('{{MESSAGE_ID}}', messageIdFor('2026-11-23', ada, 'briefing@briefing.test')),
    );
    project.writeBrief('second.md', briefText({ title: 'Second brief', date: '2026-11-26', source: { name: 'Example News', url: 'https://example.org/second' } }));
    const next = await runTick(config(), { log, reason: 'manual', now: new Date('2026-11-30T08:00:00Z') });
    expect(next).toMatchObject({ status: 'sent', edition: '2026-11-30', sent: 1 });
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('suppressed');
    expect(lines).toContain('bounce mailbox: 1 message read: 1 hard bounce, 0 soft, 0 blocked, 0 unknown, 0 complaints, 0 delayed, 0 already imported, 0 changed nothing');
  });

  it('a mailbox that cannot be read is logged, and the edition is sent all the same', async () => {
    await dovecot.kill();
    const summary = await runTick(config(), { log, reason: 'manual', now: new Date('2026-11-23T08:00:00Z') });
    expect(summary).toMatchObject({ status: 'sent', sent: 2 });
    expect(lines.some((l) => new RegExp(`bounce mailbox imap://127\\.0\\.0\\.1:${dovecot.port}/INBOX: .*ECONNREFUSED`).test(l))).toBe(true);
  });
});
