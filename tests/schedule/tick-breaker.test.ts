/**
 * The circuit breaker in the service: a tick whose relay blocks every
 * message (550 5.7.26) stops, says why in its line, suppresses nobody and
 * leaves the rest pending; the next tick, with the relay fixed, finishes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveryCounts } from '../../src/delivery/log.js';
import { addSubscriber, iterateSubscribers } from '../../src/delivery/subscribers.js';
import type { Logger } from '../../src/log.js';
import { runTick } from '../../src/schedule/tick.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
let project: TempProject;
let sink: SmtpSink;
let db: Db;
let lines: string[];
const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };

beforeEach(async () => {
  sink = await startSmtpSink();
  project = tempProject({ config: { delivery: { pool_size: 2, retry_base_ms: 0, max_error_rate: { errors: 5, window: 20 } } } });
  project.writeBrief('first.md', briefText({ title: 'First brief', date: '2026-11-19', source: { name: 'Example News', url: 'https://example.org/first' } }));
  db = openDatabase(project.dataDir);
  for (let i = 0; i < 30; i++) addSubscriber(db, { email: `reader${i}@example.com`, source: 'test' });
  lines = [];
});
afterEach(async () => {
  db.close();
  await sink.close();
  project.cleanup();
});

describe('a tick against a relay that blocks everyone', () => {
  it('stops and says why, suppresses nobody, and the next tick finishes once the relay is fixed', async () => {
    const config = project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });
    sink.script(({ stage }) => (stage === 'rcpt' ? { code: 550, message: '5.7.26 Unauthenticated email is not accepted due to DMARC policy' } : 'accept'));
    const stopped = await runTick(config, { log, reason: 'manual', now: new Date('2026-11-23T08:00:00Z') });
    expect(stopped.status).toBe('failed');
    expect(stopped.line).toMatch(/5 of the last 20 answers were blocks or connection failures.*5\.7\.26 Unauthenticated email/);
    expect(lines).toContain(stopped.line);
    expect([...iterateSubscribers(db)].every((s) => s.status === 'confirmed')).toBe(true);
    expect(deliveryCounts(db, '2026-11-23').pending).toBeGreaterThan(20);

    sink.script(() => 'accept');
    const resumed = await runTick(config, { log, reason: 'manual', now: new Date('2026-11-23T09:00:00Z') });
    expect(resumed).toMatchObject({ status: 'sent', edition: '2026-11-23' });
    expect(deliveryCounts(db, '2026-11-23')).toMatchObject({ sent: 30, pending: 0, failed: 0 });
  });
});
