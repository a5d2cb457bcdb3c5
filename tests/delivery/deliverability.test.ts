/**
 * What a send does with refusals, against a real SMTP server on 127.0.0.1:
 * a relay that blocks everyone must not wipe the list, a dead relay is named
 * at once, and soft bounces cost an address only editions in a row.
 * Regression: every 5xx used to suppress for good, so one `550 5.7.26`
 * (DMARC) relay suppressed every subscriber in a single send.
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveriesFor, deliveryCounts } from '../../src/delivery/log.js';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber, findSubscriber, iterateSubscribers } from '../../src/delivery/subscribers.js';
import { restoreSubscriber } from '../../src/delivery/suppression.js';
import { writeEdition } from '../../src/editions/store.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, editionProject } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
let db: Db;

beforeEach(async () => {
  project = await editionProject({ delivery: { pool_size: 3, max_attempts: 2, retry_base_ms: 5, max_error_rate: { errors: 10, window: 50 } } });
  sink = await startSmtpSink();
  db = openDatabase(project.dataDir);
});
afterEach(async () => {
  db.close();
  await sink.close();
  project.cleanup();
});

const send = (smtpUrl = sink.url, edition = 'latest') =>
  sendEdition(project.config({ SMTP_URL: smtpUrl, BRIEFING_SECRET: SECRET }), { edition, log: silentLogger, progress: 'none' });
const addMany = (n: number) => {
  for (let i = 0; i < n; i++) addSubscriber(db, { email: `reader${i}@example.com`, source: 'test' });
};
const rejection = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the send to fail');
};

describe('a relay that blocks every message (550 5.7.26, DMARC)', () => {
  it('stops within the breaker window, names the answer, suppresses nobody and leaves the rest pending', async () => {
    addMany(60);
    sink.script(({ stage }) => (stage === 'rcpt' ? { code: 550, message: '5.7.26 Unauthenticated email from example.org is not accepted due to its DMARC policy' } : 'accept'));
    const error = await rejection(send());
    expect(error.code).toBe('DELIVERY_STOPPED');
    expect(error.message).toMatch(/10 of the last 50 answers were blocks or connection failures/);
    expect(error.message).toMatch(/5\.7\.26 Unauthenticated email/);
    expect([...iterateSubscribers(db)].every((s) => s.status === 'confirmed')).toBe(true);
    const counts = deliveryCounts(db, EDITION_ID);
    // Stopped within the window: the answers that tripped it, plus at most the pool's messages in flight.
    expect(counts.failed).toBeGreaterThanOrEqual(10);
    expect(counts.failed).toBeLessThanOrEqual(10 + 3);
    expect(counts.pending).toBe(60 - counts.failed);
    expect(counts.sending + counts.sent + counts.bounced).toBe(0);
    expect(deliveriesFor(db, EDITION_ID).filter((d) => d.status === 'failed').every((d) => d.class === 'blocked')).toBe(true);

    // Once the relay is fixed, the next send delivers to everyone, the blocked ones included.
    sink.script(() => 'accept');
    expect(await send()).toMatchObject({ sent: 60, failed: 0, bounced: 0 });
  });
});

describe('a relay nothing listens on', () => {
  it('send fails before anything is recorded, naming the refused connection', async () => {
    addMany(3);
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const error = await rejection(send(`smtp://127.0.0.1:${port}`));
    expect(error.code).toBe('SMTP_UNREACHABLE');
    expect(error.message).toBe(`nothing accepts connections at 127.0.0.1:${port} (connection refused); is the relay running, and is SMTP_URL's port right?`);
    expect(deliveriesFor(db, EDITION_ID)).toEqual([]);
  });

  it('a relay whose certificate is not trusted (self-signed) is named as a TLS failure, and nothing is recorded', async () => {
    addMany(1);
    // smtp-server's built-in certificate is self-signed: what a relay with a home-made certificate shows.
    const tls = new SMTPServer({ secure: true, authOptional: true, logger: false, onData: (s, _session, cb) => s.resume().on('end', () => cb()) });
    tls.on('error', () => {});
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = tls.server.address() as net.AddressInfo;
      const error = await rejection(send(`smtps://127.0.0.1:${port}`));
      expect(error.code).toBe('SMTP_UNREACHABLE');
      expect(error.message).toMatch(new RegExp(`^TLS with the SMTP server at 127\\.0\\.0\\.1:${port} failed: .*(certificate|self[- ]signed)`));
      expect(deliveriesFor(db, EDITION_ID)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    }
  });

  it('a relay that refuses the login is named as such, and nothing is recorded', async () => {
    addMany(1);
    const url = new URL(sink.url);
    url.username = 'nobody';
    url.password = 'wrong';
    const error = await rejection(send(url.href));
    expect(error.code).toBe('SMTP_UNREACHABLE');
    expect(error.message).toMatch(/refused the login/);
    expect(deliveriesFor(db, EDITION_ID)).toEqual([]);
  });
});

describe('soft bounces', () => {
  it('suppress an address only after soft_bounce_limit editions in a row, and restore undoes it', async () => {
    addSubscriber(db, { email: 'full@example.com', source: 'test' });
    sink.script(({ to, stage }) => (to === 'full@example.com' && stage === 'rcpt' ? { code: 452, message: '4.2.2 Mailbox full' } : 'accept'));
    const editions = ['2026-11-30', '2026-12-07', '2026-12-14'];
    for (const [i, date] of editions.entries()) {
      await writeEdition(project.editionsDir, { number: i + 2, date, briefs: ['open-weights-news', 'safety-news'], note: '' });
      await send(sink.url, date);
      // The same edition failing again in a second run counts once.
      if (i === 0) await send(sink.url, date);
      expect(findSubscriber(db, 'full@example.com')!.status).toBe(i < 2 ? 'confirmed' : 'suppressed');
    }
    expect(findSubscriber(db, 'full@example.com')!.suppressedReason).toMatch(/soft-bounced 3 editions in a row; last \(edition 2026-12-14\): 452/);

    const restored = restoreSubscriber(db, 'full@example.com');
    expect(restored?.subscriber).toMatchObject({ status: 'confirmed', suppressedReason: null });
    expect(restored?.events.map((e) => e.edition_id)).toContain('2026-12-14');
  });

  it('a message accepted in between starts the count again', async () => {
    addSubscriber(db, { email: 'flaky@example.com', source: 'test' });
    let full = true;
    sink.script(({ to, stage }) => (full && to === 'flaky@example.com' && stage === 'rcpt' ? { code: 452, message: '4.2.2 Mailbox full' } : 'accept'));
    const dates = ['2026-11-30', '2026-12-07', '2026-12-14', '2026-12-21'];
    for (const [i, date] of dates.entries()) {
      await writeEdition(project.editionsDir, { number: i + 2, date, briefs: ['open-weights-news', 'safety-news'], note: '' });
      full = i !== 1; // full, accepted, full, full: never three in a row
      await send(sink.url, date);
    }
    expect(findSubscriber(db, 'flaky@example.com')!.status).toBe('confirmed');
  });
});
