/**
 * An interrupted send older than delivery.resume_max_age is not resumed by a
 * bare `send` or by the service: stale news should not reach readers days
 * late (Ghost added the same limit after a stale send went out). `send
 * --resume-stale` finishes it. Real SMTP server on 127.0.0.1, real SQLite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryCounts } from '../../src/delivery/log.js';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import { runTick } from '../../src/schedule/tick.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, editionProject } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
let db: Db;
beforeEach(async () => {
  project = await editionProject({ delivery: { pool_size: 1, resume_max_age: '36h' } });
  sink = await startSmtpSink();
  db = openDatabase(project.dataDir);
  for (let i = 0; i < 4; i++) addSubscriber(db, { email: `r${i}@example.com`, source: 'test' });
});
afterEach(async () => {
  db.close();
  await sink.close();
  project.cleanup();
});

const config = () => project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });

/** Sends one message of the edition, then stops, as a crash would; the first message then `hoursAgo` old. */
async function interruptedSend(hoursAgo: number): Promise<void> {
  const controller = new AbortController();
  sink.script(() => {
    controller.abort();
    return 'accept';
  });
  await sendEdition(config(), { edition: EDITION_ID, log: silentLogger, progress: 'none', signal: controller.signal });
  sink.script(() => 'accept');
  const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  db.prepare(`UPDATE deliveries SET updated_at = ? WHERE edition_id = ?`).run(at, EDITION_ID);
  expect(deliveryCounts(db, EDITION_ID)).toMatchObject({ sent: 1, pending: 3 });
}

describe('a stale interrupted send', () => {
  it('a bare send refuses it, naming --resume-stale; --resume-stale finishes it', async () => {
    await interruptedSend(48);
    await expect(sendEdition(config(), { edition: EDITION_ID, log: silentLogger, progress: 'none' })).rejects.toMatchObject({
      code: 'SEND_STALE',
      message: expect.stringMatching(/began sending 48 hours ago.*delivery\.resume_max_age: 36h.*briefing send 2026-11-23 --resume-stale/),
    });
    expect(sink.messages).toHaveLength(1);
    expect(await sendEdition(config(), { edition: EDITION_ID, log: silentLogger, progress: 'none', resumeStale: true })).toMatchObject({ sent: 3 });
  });

  it('one within the limit is resumed as before', async () => {
    await interruptedSend(2);
    expect(await sendEdition(config(), { edition: EDITION_ID, log: silentLogger, progress: 'none' })).toMatchObject({ sent: 3 });
  });

  it('the service does not resume it, and says why', async () => {
    await interruptedSend(48);
    const lines: string[] = [];
    const log: Logger = { info: (l) => lines.push(l), warn: (l) => lines.push(l), error: (l) => lines.push(l) };
    const summary = await runTick(config(), { log, reason: 'manual', resumeOnly: true });
    expect(summary.status).toBe('nothing');
    expect(lines.join('\n')).toMatch(/edition 2026-11-23 began sending 48 hours ago and was interrupted; not resumed/);
    expect(sink.messages).toHaveLength(1);
  });
});
