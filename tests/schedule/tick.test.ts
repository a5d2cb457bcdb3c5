/**
 * runTick with the real pieces: briefs on disk, the archive build, SQLite,
 * and delivery to a real SMTP server on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import type { Logger } from '../../src/log.js';
import { createSchedule } from '../../src/schedule/plan.js';
import { createScheduler } from '../../src/schedule/scheduler.js';
import { runTick } from '../../src/schedule/tick.js';
import { lastDoneSlot, recentTicks, scheduleSince } from '../../src/schedule/ticks.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const RECIPIENTS = ['ada@example.com', 'grace@example.com', 'linus@example.com', 'margaret@example.com', 'ken@example.com'];

let project: TempProject;
let sink: SmtpSink;
let config: Config;
let db: Db;
let lines: string[];
const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };

beforeEach(async () => {
  sink = await startSmtpSink();
  project = tempProject({
    config: {
      schedule: { cron: '0 7 * * 1', timezone: 'Europe/Berlin' },
      // One connection, so an interrupted send has a clear "in flight" and "not yet started".
      delivery: { pool_size: 1, retry_base_ms: 0 },
    },
  });
  project.writeBrief('first.md', briefText({ title: 'First brief', date: '2026-11-19', source: { name: 'Example News', url: 'https://example.org/first' } }));
  project.writeBrief('second.md', briefText({ title: 'Second brief', date: '2026-11-20', themes: ['safety'], source: { name: 'Example News', url: 'https://example.org/second' } }));
  config = project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });
  db = openDatabase(config.dataDir);
  for (const email of RECIPIENTS) addSubscriber(db, { email, source: 'test' });
  lines = [];
});

afterEach(async () => {
  db.close();
  await sink.close();
  project.cleanup();
});

const MONDAY = { key: '2026-11-23T06:00:00.000Z', date: '2026-11-23' };

function expectEachOnce() {
  expect(Object.fromEntries(sink.countsByRecipient())).toEqual(Object.fromEntries(RECIPIENTS.map((r) => [r, 1])));
}

describe('runTick', () => {
  it('assembles, builds and sends a new edition with one summary line, then finds nothing new', async () => {
    const summary = await runTick(config, { log, slot: MONDAY, reason: 'scheduled', now: new Date(MONDAY.key) });
    expect(summary).toMatchObject({ status: 'sent', edition: '2026-11-23', action: 'new', sent: 5, failed: 0, pending: 0 });
    expect(summary.line).toMatch(/^tick 2026-11-23T06:00:00\.000Z: edition 2026-11-23: 5 sent, 0 failed in \d+\.\d s$/);
    expect(lines).toEqual([summary.line]);
    expectEachOnce();
    expect(existsSync(path.join(project.root, 'editions/2026-11-23.md'))).toBe(true);
    expect(existsSync(path.join(project.root, 'dist/editions/2026-11-23/email.html'))).toBe(true);
    expect(lastDoneSlot(db)?.toISOString()).toBe(MONDAY.key);

    const again = await runTick(config, { log, reason: 'manual', now: new Date('2026-11-23T09:00:00Z') });
    expect(again).toMatchObject({ status: 'nothing', sent: 0 });
    expect(again.line).toMatch(/nothing new to send/);
    expectEachOnce();
  });

  it('leaves a bad brief out and reports it, without blocking the edition', async () => {
    project.writeBrief('broken.md', '---\ntitle: [unclosed\n---\n');
    const summary = await runTick(config, { log, slot: MONDAY, reason: 'scheduled', now: new Date(MONDAY.key) });
    expect(summary).toMatchObject({ status: 'sent', sent: 5, badBriefs: 1 });
    expect(lines.some((l) => l.startsWith('left out: ') && l.includes('broken.md'))).toBe(true);
    expect(summary.line).toMatch(/1 bad brief left out/);
  });

  it('skips the tick when another process holds the send lock, and sends nothing', async () => {
    const other = openDatabase(config.dataDir);
    try {
      other.prepare('INSERT INTO locks (name, owner, acquired_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
        'send',
        'elsewhere:1:x',
        new Date().toISOString(),
        new Date().toISOString(),
        Date.now() + 60_000,
      );
      const summary = await runTick(config, { log, slot: MONDAY, reason: 'scheduled' });
      expect(summary.status).toBe('locked');
      expect(summary.line).toMatch(/another Briefing process \(elsewhere:1:x\)/);
      expect(sink.messages).toHaveLength(0);
      expect(recentTicks(db)).toHaveLength(0);
    } finally {
      other.close();
    }
  });

  it('two ticks at once on one data directory: one sends, the other is locked out', async () => {
    const other = openDatabase(config.dataDir);
    try {
      sink.delayMs = 50;
      const [a, b] = await Promise.all([
        runTick(config, { log, slot: MONDAY, reason: 'scheduled', db, owner: 'service-a' }),
        runTick(config, { log, slot: MONDAY, reason: 'scheduled', db: other, owner: 'service-b' }),
      ]);
      expect([a.status, b.status].sort()).toEqual(['locked', 'sent']);
      expectEachOnce();
      // And afterwards the slot is done for both.
      const late = await runTick(config, { log, slot: MONDAY, reason: 'scheduled', db: other, owner: 'service-b' });
      expect(late.status).toBe('already-done');
      expectEachOnce();
    } finally {
      other.close();
    }
  });

  it('restart in the middle of a send: stopping checkpoints the edition, the next start resumes it and sends each message once', async () => {
    scheduleSince(db, new Date('2026-11-20T00:00:00Z'));
    sink.delayMs = 100;
    const clock = () => new Date('2026-11-23T06:00:00Z');
    const schedule = createSchedule('0 7 * * 1', 'Europe/Berlin');
    const makeScheduler = (owner: string) =>
      createScheduler({
        schedule,
        db,
        log,
        now: clock,
        run: (slot, reason, signal) => runTick(config, { log, slot, reason, signal, db, owner, now: clock() }),
      });

    const first = makeScheduler('first-run');
    const tick = first.check('cron');
    expect(tick).not.toBeNull();
    await sink.waitForMessages(1);
    await first.stop(); // what SIGTERM does
    const interrupted = await tick!;
    expect(interrupted).toMatchObject({ status: 'interrupted', edition: '2026-11-23' });
    expect(interrupted.sent).toBeGreaterThanOrEqual(1);
    expect(interrupted.pending).toBeGreaterThan(0);
    expect(interrupted.line).toMatch(/interrupted, \d+ sent, 0 failed, \d+ left for the next start/);
    expect(sink.messages.length).toBeLessThan(RECIPIENTS.length);
    expect(recentTicks(db)[0]).toMatchObject({ result: 'interrupted', edition_id: '2026-11-23' });

    sink.delayMs = 0;
    const second = makeScheduler('second-run');
    const resumed = await second.check('start');
    expect(resumed).toMatchObject({ status: 'sent', action: 'resumed', edition: '2026-11-23', reason: 'catch-up', pending: 0 });
    expect(resumed!.sent).toBe(RECIPIENTS.length - interrupted.sent);
    expectEachOnce();
    expect(second.check('cron')).toBeNull();
    await second.stop();
  });

  it('a later tick first finishes an older edition whose sending was interrupted, then sends the new one', async () => {
    sink.delayMs = 100;
    const stop = new AbortController();
    const interrupted = runTick(config, { log, slot: MONDAY, reason: 'scheduled', now: new Date(MONDAY.key), signal: stop.signal, db });
    await sink.waitForMessages(1);
    stop.abort();
    expect(await interrupted).toMatchObject({ status: 'interrupted', edition: '2026-11-23' });
    sink.delayMs = 0;

    // A week later, with a new brief: the old edition's rest goes out, then the new edition.
    project.writeBrief('third.md', briefText({ title: 'Third brief', date: '2026-11-27', source: { name: 'Example News', url: 'https://example.org/third' } }));
    const next = { key: '2026-11-30T06:00:00.000Z', date: '2026-11-30' };
    const summary = await runTick(config, { log, slot: next, reason: 'scheduled', now: new Date(next.key), db });
    expect(summary).toMatchObject({ status: 'sent', edition: '2026-11-30', action: 'new', resumedOlder: ['2026-11-23'], pending: 0 });
    // The rest of the old edition plus all of the new one.
    expect(summary.sent).toBe(RECIPIENTS.length - (await interrupted).sent + RECIPIENTS.length);
    expect(summary.line).toMatch(/edition 2026-11-30: \d+ sent, 0 failed \(also finished the interrupted edition 2026-11-23\)/);
    // Each reader has each edition exactly once.
    expect(Object.fromEntries(sink.countsByRecipient())).toEqual(Object.fromEntries(RECIPIENTS.map((r) => [r, 2])));
  });

  it('resumeOnly finishes an interrupted send without assembling a new edition', async () => {
    sink.delayMs = 100;
    const stop = new AbortController();
    const interrupted = runTick(config, { log, slot: MONDAY, reason: 'scheduled', now: new Date(MONDAY.key), signal: stop.signal, db });
    await sink.waitForMessages(1);
    stop.abort();
    await interrupted;
    sink.delayMs = 0;
    project.writeBrief('third.md', briefText({ title: 'Third brief', date: '2026-11-24', source: { name: 'Example News', url: 'https://example.org/third' } }));

    const resumed = await runTick(config, { log, reason: 'catch-up', now: new Date('2026-11-25T10:00:00Z'), db, resumeOnly: true });
    expect(resumed).toMatchObject({ status: 'sent', edition: '2026-11-23', action: 'resumed', pending: 0 });
    expectEachOnce();
    expect(existsSync(path.join(project.root, 'editions/2026-11-25.md'))).toBe(false);
  });
});
