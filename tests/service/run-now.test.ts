/** `briefing run-now` through the real CLI, against a real SMTP server. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { recentTicks } from '../../src/schedule/ticks.js';
import { openDatabase } from '../../src/store/db.js';
import { startService } from './child.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
let project: TempProject;
let sink: SmtpSink;
let env: NodeJS.ProcessEnv;

/** The CLI in a child process, asynchronously: the SMTP server lives in this process and must keep answering. */
async function runNow(extraEnv: NodeJS.ProcessEnv = {}) {
  const child = startService(['run-now'], { cwd: project.root, env: { ...env, ...extraEnv } });
  const status = await child.exited;
  return { status, output: child.output() };
}

beforeEach(async () => {
  sink = await startSmtpSink();
  project = tempProject();
  project.writeBrief('only.md', briefText({ title: 'The only brief', date: '2026-11-20' }));
  const db = openDatabase(project.dataDir);
  addSubscriber(db, { email: 'reader@example.com', source: 'test' });
  db.close();
  env = { BRIEFING_DATA_DIR: project.dataDir, SMTP_URL: sink.url, BRIEFING_SECRET: SECRET };
});
afterEach(async () => {
  await sink.close();
  project.cleanup();
});

describe('briefing run-now', () => {
  it('runs one tick: sends the new edition and exits 0; a second run finds nothing new and exits 0', async () => {
    const first = await runNow();
    expect(first.output).toMatch(/^tick run-now \S+: edition \d{4}-\d{2}-\d{2}: 1 sent, 0 failed in \d+\.\d s$/m);
    expect(first.status).toBe(0);
    expect(sink.messages).toHaveLength(1);

    const second = await runNow();
    expect(second.status).toBe(0);
    expect(second.output).toMatch(/nothing new to send/);
    expect(sink.messages).toHaveLength(1);
  });

  it('exits 1 when the tick fails, and records why', async () => {
    // A broken edition file stops assembly (it might list briefs we cannot see): the tick fails, loudly.
    mkdirSync(project.editionsDir, { recursive: true });
    writeFileSync(path.join(project.editionsDir, '2026-11-01.md'), '---\nnumber: one\n---\n');
    const failed = await runNow();
    expect(failed.status).toBe(1);
    expect(failed.output).toMatch(/^tick run-now \S+: failed in \d+\.\d s: .*fix the edition files first/m);
    expect(sink.messages).toHaveLength(0);
    const db = openDatabase(project.dataDir);
    try {
      const [tick] = recentTicks(db);
      expect(tick).toMatchObject({ reason: 'manual', result: 'failed' });
      expect(tick!.message).toMatch(/fix the edition files first/);
    } finally {
      db.close();
    }
  });

  it('exits 1 and sends nothing while another Briefing process holds the send lock', async () => {
    const db = openDatabase(project.dataDir);
    db.prepare('INSERT INTO locks (name, owner, acquired_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
      'send',
      'another-host:4242:abcd',
      new Date().toISOString(),
      new Date().toISOString(),
      Date.now() + 3_600_000,
    );
    db.close();
    const result = await runNow();
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/another Briefing process \(another-host:4242:abcd\) is sending/);
    expect(sink.messages).toHaveLength(0);
  });
});
