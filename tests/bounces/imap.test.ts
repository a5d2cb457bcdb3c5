/**
 * The bounce mailbox over IMAP, against Debian's Dovecot started on
 * 127.0.0.1 by the test: reports delivered to it are applied once, a
 * message too large to be a report is skipped unread, and a server that
 * goes away is named and changes nothing.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pollBounceMailbox } from '../../src/bounces/imap.js';
import { messageIdFor } from '../../src/delivery/mime.js';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { bounceAddress } from '../../src/delivery/verp.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EDITION_ID, SECRET, editionProject, runCliAsync } from '../delivery/edition-project.js';
import { startDovecot, type Dovecot } from '../helpers/dovecot.js';
import { FIXTURES, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const DOMAIN = 'bounces.briefing.test';
let project: TempProject;
let sink: SmtpSink;
let dovecot: Dovecot;
let db: Db;
const env = () => ({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET, BOUNCE_IMAP_URL: dovecot.url });

beforeEach(async () => {
  project = await editionProject({ delivery: { bounce_domain: DOMAIN } });
  [sink, dovecot] = await Promise.all([startSmtpSink(), startDovecot()]);
  db = openDatabase(project.dataDir);
  for (const name of ['ada', 'grace']) addSubscriber(db, { email: `${name}@example.com`, source: 'test' });
  await sendEdition(project.config(env()), { edition: EDITION_ID, log: silentLogger, progress: 'none' });
});
afterEach(async () => {
  db.close();
  await Promise.all([sink.close(), dovecot.stop()]);
  project.cleanup();
});

function report(fixture: string, email: string): string {
  const id = findSubscriber(db, email)!.publicId;
  return readFileSync(path.join(FIXTURES, 'bounces', fixture), 'utf8')
    .replaceAll('{{EMAIL}}', email)
    .replaceAll('{{VERP}}', bounceAddress(SECRET, DOMAIN, { editionId: EDITION_ID, subscriber: id }))
    .replaceAll('{{MESSAGE_ID}}', messageIdFor(EDITION_ID, id, 'briefing@briefing.test'));
}
const recorder = () => {
  const lines: string[] = [];
  const log: Logger = { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) };
  return { log, lines };
};

describe('the bounce mailbox over IMAP', () => {
  it('applies each unseen report once and marks it seen; the next poll finds nothing new', async () => {
    dovecot.deliver('hard', report('postfix-hard.eml', 'ada@example.com'));
    dovecot.deliver('arf', report('arf-complaint.eml', 'grace@example.com'));
    const first = await pollBounceMailbox(db, project.config(env()), silentLogger);
    expect(first).toMatchObject({ messages: 2, hard: 1, complaints: 1, ignored: 0 });
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('suppressed');
    expect(findSubscriber(db, 'grace@example.com')!.status).toBe('unsubscribed');
    expect(await pollBounceMailbox(db, project.config(env()), silentLogger)).toMatchObject({ messages: 0 });
  });

  it('skips a message too large to be a report without downloading it', async () => {
    dovecot.deliver('big', `Subject: huge\r\nFrom: a@b.c\r\n\r\n${'x'.repeat(78)}\r\n`.repeat(1).concat(`${'y'.repeat(998)}\r\n`.repeat(11_000)));
    const { log, lines } = recorder();
    expect(await pollBounceMailbox(db, project.config(env()), log)).toMatchObject({ messages: 1, ignored: 1 });
    expect(lines.join('\n')).toMatch(/uid 1: skipped: [\d.]+ MB, larger than any report/);
  });

  it('a server that is gone is named, and nothing changes', async () => {
    dovecot.deliver('hard', report('postfix-hard.eml', 'ada@example.com'));
    await dovecot.kill();
    await expect(pollBounceMailbox(db, project.config(env()), silentLogger)).rejects.toThrow(new RegExp(`bounce mailbox imap://127\\.0\\.0\\.1:${dovecot.port}/INBOX: .*ECONNREFUSED`));
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('confirmed');
  });

  it('a connection dropped mid-poll is named; what was applied stays, the rest comes with the next poll', async () => {
    dovecot.deliver('hard', report('postfix-hard.eml', 'ada@example.com'));
    dovecot.deliver('arf', report('arf-complaint.eml', 'grace@example.com'));
    // A proxy that cuts the connection once the server has confirmed the first \\Seen flag.
    const proxy = net.createServer((client) => {
      const server = net.connect(dovecot.port, '127.0.0.1');
      let stores = 0;
      client.pipe(server);
      server.on('data', (chunk: Buffer) => {
        client.write(chunk);
        if (/ OK Store completed/i.test(chunk.toString()) && ++stores === 1) {
          client.destroy();
          server.destroy();
        }
      });
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    try {
      const viaProxy = dovecot.url.replace(`:${dovecot.port}/`, `:${(proxy.address() as net.AddressInfo).port}/`);
      await expect(pollBounceMailbox(db, project.config({ ...env(), BOUNCE_IMAP_URL: viaProxy }), silentLogger)).rejects.toThrow(/after 1 message \(those are applied; the rest wait for the next poll\)/);
      expect(findSubscriber(db, 'ada@example.com')!.status).toBe('suppressed');
      expect(findSubscriber(db, 'grace@example.com')!.status).toBe('confirmed');
    } finally {
      proxy.close();
    }
    expect(await pollBounceMailbox(db, project.config(env()), silentLogger)).toMatchObject({ messages: 1, complaints: 1 });
    expect(findSubscriber(db, 'grace@example.com')!.status).toBe('unsubscribed');
  });

  it('briefing bounces poll reads it on demand, and says when BOUNCE_IMAP_URL is missing', async () => {
    dovecot.deliver('hard', report('postfix-hard.eml', 'ada@example.com'));
    db.close();
    const result = await runCliAsync(['bounces', 'poll'], { cwd: project.root, env: { BRIEFING_DATA_DIR: project.dataDir, ...env() } });
    expect(result.stdout).toMatch(/1 message read: 1 hard bounce/);
    expect(result.status).toBe(0);
    const missing = await runCliAsync(['bounces', 'poll'], { cwd: project.root, env: { BRIEFING_DATA_DIR: project.dataDir, BOUNCE_IMAP_URL: '' } });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/BOUNCE_IMAP_URL is not set/);
    db = openDatabase(project.dataDir);
    expect(findSubscriber(db, 'ada@example.com')!.status).toBe('suppressed');
  });
});
