/**
 * `briefing start` as a real child process on a temp project and data
 * directory, ticking every second, sending to a real SMTP server on
 * 127.0.0.1. Everything waits on what the services print or what the SMTP
 * server receives, never on time.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { openDatabase } from '../../src/store/db.js';
import { recentTicks } from '../../src/schedule/ticks.js';
import { briefText, ROOT, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { startService, type ServiceProcess } from './child.js';

const SECRET = 'test-secret-0123456789abcdef-0123456789';
const RECIPIENTS = ['ada@example.com', 'grace@example.com', 'linus@example.com'];

let project: TempProject;
let sink: SmtpSink;
const services: ServiceProcess[] = [];

beforeEach(async () => {
  sink = await startSmtpSink();
});
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop('SIGKILL');
  await sink.close();
  project.cleanup();
});

function spawnService(env: NodeJS.ProcessEnv = {}): ServiceProcess {
  const service = startService(['start'], {
    cwd: project.root,
    env: { BRIEFING_DATA_DIR: project.dataDir, PORT: '0', SMTP_URL: sink.url, BRIEFING_SECRET: SECRET, ...env },
  });
  services.push(service);
  return service;
}

const urlOf = async (service: ServiceProcess) => (await service.waitFor(/^\s*Archive:\s+http/)).replace(/^\s*Archive:\s+/, '').trim();

describe('briefing start', () => {
  it('sends one edition to a local SMTP server exactly once; a second service on the same directory is refused, naming the first', async () => {
    project = tempProject({ config: { schedule: { cron: '* * * * * *', timezone: 'UTC' } } });
    project.writeBrief('first.md', briefText({ title: 'First brief', date: '2026-11-19', source: { name: 'A', url: 'https://example.org/a' } }));
    project.writeBrief('second.md', briefText({ title: 'Second brief', date: '2026-11-20', themes: ['safety'], source: { name: 'B', url: 'https://example.org/b' } }));
    const db = openDatabase(project.dataDir);
    for (const email of RECIPIENTS) addSubscriber(db, { email, source: 'test' });
    db.close();

    const first = spawnService();
    const url = await urlOf(first);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const home = await fetch(url);
    expect(home.status).toBe(200);

    // The edition goes out once, to everyone.
    await sink.waitForMessages(RECIPIENTS.length);
    await first.waitFor(/^tick (catch-up )?\S+: (new |unsent )?edition \S+: 3 sent, 0 failed/);

    // A second service on the same data directory, while the first keeps ticking: refused at once, before it
    // builds anything or starts a scheduler (it used to rebuild dist/ under the first and tick beside it).
    const second = spawnService();
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(new RegExp(`another Briefing service, pid ${first.proc.pid} \\(.*\\), uses .*data/; stop it first, or give this one a data folder of its own \\(BRIEFING_DATA_DIR\\)`));
    expect(second.output()).not.toMatch(/Briefing is running|bug in Briefing/);
    await first.waitFor(/^tick (catch-up )?\S+: nothing new to send/, { count: 3 });

    expect(sink.messages).toHaveLength(RECIPIENTS.length);
    expect(Object.fromEntries(sink.countsByRecipient())).toEqual(Object.fromEntries(RECIPIENTS.map((r) => [r, 1])));
    expect(second.count(/\d+ sent/)).toBe(0);
    expect(first.count(/: \d+ sent/)).toBe(1);

    // SIGTERM: a graceful stop, exit status 0.
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.output()).toMatch(/Briefing stopped\./);

    const check = openDatabase(project.dataDir);
    try {
      const ticks = recentTicks(check, 1000);
      expect(ticks.filter((t) => t.result === 'sent')).toHaveLength(1);
      expect(ticks.every((t) => t.finished_at !== null)).toBe(true);
      expect(check.prepare('SELECT count(*) AS n FROM locks').get()).toEqual({ n: 0 });
    } finally {
      check.close();
    }
  });

  it('on a fresh clone (defaults: outbox, no SMTP_URL, no secret) builds the sample edition and prints the archive, the email preview and the next tick', async () => {
    project = tempProject({ config: { schedule: { cron: '0 7 * * 1', timezone: 'America/New_York' } } });
    cpSync(path.join(ROOT, 'briefs'), project.briefsDir, { recursive: true });
    const service = spawnService({ SMTP_URL: '', BRIEFING_SECRET: '' });

    const archive = await urlOf(service);
    const preview = (await service.waitFor(/^\s*Email preview:/)).replace(/^\s*Email preview:\s+/, '').trim();
    const next = await service.waitFor(/^\s*Next tick:/);
    expect(preview).toMatch(new RegExp(`^${archive.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}editions/\\d{4}-\\d{2}-\\d{2}/email\\.html$`));
    // Mondays at 07:00 in New York, shown in that zone with its offset.
    expect(next).toMatch(/\d{4}-\d{2}-\d{2} 07:00 America\/New_York \(UTC-0[45]:00\)/);
    expect(service.output()).toMatch(/Delivery:\s+\.eml files in .*outbox/);

    expect((await fetch(archive)).status).toBe(200);
    const email = await fetch(preview);
    expect(email.status).toBe(200);
    expect(await email.text()).toMatch(/<html/i);
    expect(existsSync(path.join(project.root, 'dist'))).toBe(true);

    expect(await service.stop('SIGINT')).toBe(0);
  });

  it('refuses to start with a schedule that is not a cron expression, naming the key', async () => {
    project = tempProject({ config: { schedule: { cron: 'every monday', timezone: 'UTC' } } });
    const service = spawnService();
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/schedule\.cron "every monday"/);
  });

  it('refuses to start with SMTP_URL but no BRIEFING_SECRET (real mail needs stable signed links), before serving anything', async () => {
    project = tempProject();
    const service = spawnService({ BRIEFING_SECRET: '' });
    expect(await service.exited).toBe(1);
    expect(service.output()).toMatch(/BRIEFING_SECRET is not set/);
    expect(service.output()).not.toMatch(/Briefing is running/);
  });
});
