/**
 * The real CLI: `subscribers` commands, and the "done when" of the issue:
 * import, `send latest` delivers each subscriber exactly once, and a
 * one-click unsubscribe keeps that subscriber out of the next edition.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEdition } from '../../src/editions/store.js';
import { deliveryCounts } from '../../src/delivery/log.js';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server/server.js';
import { openDatabase } from '../../src/store/db.js';
import { CLI, FIXTURES, briefText, type TempProject } from '../helpers/project.js';
import { headerLine, parseMail, startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, editionProject, runCliAsync } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
beforeEach(async () => {
  project = await editionProject();
  sink = await startSmtpSink();
});
afterEach(async () => {
  await sink.close();
  project.cleanup();
});

const env = () => ({ BRIEFING_DATA_DIR: project.dataDir, SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });
const cli = (args: string[]) => runCliAsync(args, { cwd: project.root, env: env() });

describe('briefing subscribers', { timeout: 180_000 }, () => {
  it('import reports bad rows as file:line, imports the rest, collapses duplicates and exits 1', async () => {
    const file = path.join(FIXTURES, 'subscribers/mixed.csv');
    const result = await cli(['subscribers', 'import', file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/mixed\.csv:3:1: warning: ADA@example\.org is already on line 2/);
    expect(result.stderr).toMatch(/mixed\.csv:4:1: "not-an-address" is not an email address/);
    expect(result.stderr).toMatch(/mixed\.csv:7:1: unknown theme "astrology"/);
    expect(result.stderr).toMatch(/mixed\.csv:8:1: "quoted, name@example\.org" is not an email address/);
    expect(result.stdout).toMatch(/4 added, 0 updated, 0 unchanged, 3 bad rows/);

    const list = JSON.parse((await cli(['subscribers', 'list', '--json'])).stdout) as { email: string; status: string; themes: string[]; name: string }[];
    expect(list.map((s) => [s.email, s.status, s.themes.join(';'), s.name])).toEqual([
      ['ada@example.org', 'confirmed', 'safety;open-source', 'Ada Lovelace'],
      ['grace@example.org', 'confirmed', 'safety;open-source', 'Grace Hopper'],
      ['lin@example.org', 'confirmed', '', ''],
      ['mo@example.org', 'confirmed', 'export-controls', 'Mo'],
    ]);
  });

  it('add normalizes the address, refuses unknown themes with a suggestion, and remove deletes', async () => {
    expect(await cli(['subscribers', 'add', '  Mixed.Case@EXAMPLE.Org ', '--themes', 'safety'])).toMatchObject({ status: 0 });
    const typo = await cli(['subscribers', 'add', 'x@example.org', '--themes', 'safty']);
    // A flag mistake is a usage error (exit 2), as on every command.
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('did you mean "safety"?');
    expect((await cli(['subscribers', 'add', 'mixed.case@example.org', '--name', 'Same Person'])).stdout).toMatch(/updated Mixed\.Case@example\.org/);
    const bad = await cli(['subscribers', 'add', 'two@@example.org']);
    expect(bad.status).toBe(1);
    const list = await cli(['subscribers', 'list']);
    expect(list.stdout).toMatch(/^confirmed\s+Mixed\.Case@example\.org\s+\[safety\]\s+Same Person$/m);
    expect(list.stderr).toContain('1 subscriber');
    expect((await cli(['subscribers', 'remove', 'MIXED.case@example.org'])).status).toBe(0);
    expect((await cli(['subscribers', 'remove', 'mixed.case@example.org'])).status).toBe(1);
  });
});

describe('briefing serve', { timeout: 180_000 }, () => {
  it('serves dist/ and the endpoints on the port asked for, and stops cleanly on SIGTERM', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(project.root, 'dist'), { recursive: true });
    writeFileSync(path.join(project.root, 'dist', 'index.html'), '<h1>Archive</h1>');
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: project.root, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        out += c;
        const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited: ${out}`)));
    });
    expect(await (await fetch(url + '/')).text()).toContain('Archive');
    expect((await fetch(url + '/unsubscribe?token=1.forged')).status).toBe(404);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('briefing send', { timeout: 180_000 }, () => {
  it('import then `send latest` delivers edition 1 to every subscriber exactly once; a one-click unsubscribe keeps them out of the next edition', async () => {
    expect((await cli(['subscribers', 'import', path.join(FIXTURES, 'subscribers/good.csv')])).status).toBe(0);
    const first = await cli(['send', 'latest']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    // mo follows only export-controls, which edition 1 does not have.
    expect(first.stdout).toMatch(/3 sent, 0 failed, 0 bounced, 0 uncertain, 1 skipped/);
    expect(sink.countsByRecipient()).toEqual(new Map([['ada@example.org', 1], ['grace@example.org', 1], ['lin@example.org', 1]]));
    const again = await cli(['send', 'latest']);
    expect(again.stdout).toMatch(/0 sent.*3 already sent before/);
    expect(sink.messages).toHaveLength(3);

    // Grace clicks one-click unsubscribe in her mail client.
    const grace = sink.messages.find((m) => m.to[0] === 'grace@example.org')!;
    const unsubscribeUrl = new URL(headerLine(await parseMail(grace.raw), 'list-unsubscribe').slice(1, -1));
    const server = await startServer(project.config(env()), { distDir: path.join(project.root, 'dist'), port: 0, log: silentLogger });
    try {
      const res = await fetch(server.url + unsubscribeUrl.pathname + unsubscribeUrl.search, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }

    project.writeBrief('next.md', briefText({ title: 'Next week news', themes: ['safety'], date: '2026-11-27' }));
    await writeEdition(project.editionsDir, { number: 2, date: '2026-11-30', briefs: ['next'], note: '' });
    const second = await cli(['send', 'latest']);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/edition 2026-11-30: 2 sent/);
    const edition2 = sink.messages.slice(3).map((m) => m.to[0]).sort();
    expect(edition2).toEqual(['ada@example.org', 'lin@example.org']);
  });

  it('killed with SIGKILL mid-send and run again: everyone gets the edition, duplicates at most the pool size', async () => {
    const db = openDatabase(project.dataDir);
    const total = 60;
    for (let i = 0; i < total; i++) addSubscriber(db, { email: `reader${String(i).padStart(2, '0')}@example.org`, source: 'test' });
    sink.delayMs = 25; // slow enough that the kill lands mid-way
    const child = spawn(process.execPath, [CLI, 'send', 'latest'], { cwd: project.root, env: { ...process.env, ...env() }, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await sink.waitForMessages(15);
    child.kill('SIGKILL');
    await exited;
    const atKill = sink.messages.length;
    expect(atKill).toBeLessThan(total);
    const inFlight = deliveryCounts(db, EDITION_ID);
    expect(inFlight.sent).toBeLessThan(total);

    sink.delayMs = 0;
    const resumed = await cli(['send', 'latest']);
    expect(resumed.status).toBe(0);
    const counts = sink.countsByRecipient();
    expect(counts.size).toBe(total);
    const duplicates = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(3); // pool_size in editionProject
    expect(deliveryCounts(db, EDITION_ID)).toMatchObject({ sent: total, pending: 0, sending: 0 });
    expect(findSubscriber(db, 'reader00@example.org')!.status).toBe('confirmed');
    db.close();
  });
});

describe('briefing send against a relay that cannot be used', () => {
  it('a dead port: exits 1 at once, names the refused connection, and records nothing', { timeout: 30_000 }, async () => {
    const db = openDatabase(project.dataDir);
    addSubscriber(db, { email: 'ada@example.org', source: 'test' });
    db.close();
    // Port 9 on loopback: the discard port, with nothing listening on this machine.
    const result = await runCliAsync(['send', 'latest'], { cwd: project.root, env: { ...env(), SMTP_URL: 'smtp://127.0.0.1:9' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nothing accepts connections at 127\.0\.0\.1:9 \(connection refused\)/);
    const after = openDatabase(project.dataDir);
    expect(deliveryCounts(after, EDITION_ID)).toMatchObject({ pending: 0, sent: 0, failed: 0 });
    after.close();
  });

  it('subscribers restore puts a suppressed address back, and says when there is nothing to restore', async () => {
    const db = openDatabase(project.dataDir);
    addSubscriber(db, { email: 'gone@example.org', source: 'test' });
    db.prepare(`UPDATE subscribers SET status = 'suppressed', suppressed_reason = 'hard bounce: 550 5.1.1' WHERE email = 'gone@example.org'`).run();
    db.close();
    const restored = await cli(['subscribers', 'restore', 'gone@example.org']);
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(/restored gone@example\.org: confirmed again/);
    const again = await cli(['subscribers', 'restore', 'gone@example.org']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/gone@example\.org is confirmed, not suppressed/);
  });
});
