/**
 * Stopping `briefing start` in the middle of a send and starting it again,
 * as a child process: gracefully (SIGTERM) the edition is checkpointed and
 * resumed with no message sent twice; after a crash (SIGKILL) the stale lock
 * is taken over and the edition still reaches everyone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { deliveryCounts } from '../../src/delivery/log.js';
import { recentTicks } from '../../src/schedule/ticks.js';
import { openDatabase } from '../../src/store/db.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { startService, type ServiceProcess } from './child.js';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const RECIPIENTS = ['r1@example.com', 'r2@example.com', 'r3@example.com', 'r4@example.com', 'r5@example.com', 'r6@example.com'];

let project: TempProject;
let sink: SmtpSink;
const services: ServiceProcess[] = [];

beforeEach(async () => {
  sink = await startSmtpSink();
  // Every second, and one SMTP connection: a send that can be caught half-way.
  project = tempProject({ config: { schedule: { cron: '* * * * * *', timezone: 'UTC' }, delivery: { pool_size: 1 } } });
  project.writeBrief('only.md', briefText({ title: 'The only brief', date: '2026-11-20' }));
  const db = openDatabase(project.dataDir);
  for (const email of RECIPIENTS) addSubscriber(db, { email, source: 'test' });
  db.close();
});

/**
 * Waits for the first accepted message, then holds every later answer, so
 * the service is certainly mid-send (one message in flight, the rest not
 * started) when the test stops it. The hold only has to outlast the signal's
 * delivery; nothing is measured.
 */
async function midSend(): Promise<void> {
  await sink.waitForMessages(1);
  sink.delayMs = 3_000;
}
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop('SIGKILL');
  await sink.close();
  project.cleanup();
});

function spawnService(): ServiceProcess {
  const service = startService(['start'], {
    cwd: project.root,
    env: { BRIEFING_DATA_DIR: project.dataDir, PORT: '0', SMTP_URL: sink.url, BRIEFING_SECRET: SECRET },
  });
  services.push(service);
  return service;
}

function editionId(): string {
  const db = openDatabase(project.dataDir);
  try {
    return recentTicks(db, 1000).find((t) => t.edition_id)!.edition_id!;
  } finally {
    db.close();
  }
}

describe('restarting the service in the middle of a send', () => {
  it('SIGTERM checkpoints the edition and exits 0; the next start resumes it and nobody gets a message twice', async () => {
    const first = spawnService();
    await midSend();
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/^tick (catch-up )?\S+: (new |unsent )?edition \S+: interrupted, \d+ sent, 0 failed, [1-9]\d* left for the next start/m);
    const afterStop = sink.messages.length;
    expect(afterStop).toBeLessThan(RECIPIENTS.length);

    sink.delayMs = 0;
    const second = spawnService();
    await second.waitFor(/^tick (catch-up )?\S+: resumed edition \S+: \d+ sent, 0 failed/);
    await second.waitFor(/^tick (catch-up )?\S+: nothing new to send/);
    expect(second.output()).toMatch(/catching up/);
    expect(Object.fromEntries(sink.countsByRecipient())).toEqual(Object.fromEntries(RECIPIENTS.map((r) => [r, 1])));
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('after a crash (SIGKILL) the next start takes over the dead process\'s lock and finishes the edition', async () => {
    const first = spawnService();
    await midSend();
    first.proc.kill('SIGKILL');
    await first.exited;

    sink.delayMs = 0;
    const second = spawnService();
    await second.waitFor(/^tick (catch-up )?\S+: resumed edition \S+: \d+ sent/);
    // Everyone has it; at most the one message in flight at the kill (pool_size 1) can have gone twice.
    const counts = sink.countsByRecipient();
    expect([...counts.keys()].sort()).toEqual([...RECIPIENTS].sort());
    expect(sink.messages.length).toBeLessThanOrEqual(RECIPIENTS.length + 1);
    const db = openDatabase(project.dataDir);
    try {
      expect(deliveryCounts(db, editionId())).toMatchObject({ sent: RECIPIENTS.length, pending: 0, sending: 0 });
    } finally {
      db.close();
    }
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});
