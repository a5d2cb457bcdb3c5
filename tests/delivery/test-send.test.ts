/**
 * `send --test`: the real message to the given addresses only, over a real
 * SMTP server on 127.0.0.1 (and to the outbox without one). Subject
 * "[Test] …", personal links that change nothing, no delivery row, and the
 * edition stays a draft.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliveriesFor } from '../../src/delivery/log.js';
import { findSubscriber } from '../../src/delivery/subscribers.js';
import { sendTest } from '../../src/delivery/test-send.js';
import { silentLogger } from '../../src/log.js';
import { startServer } from '../../src/server/server.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import { headerLine, parseMail, type SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, runCliAsync, useEditionAndSink } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
let db: Db;
useEditionAndSink((t) => ({ project, sink, db } = t), ['reader@example.com']);

const editionFile = () => path.join(project.editionsDir, `${EDITION_ID}.md`);

describe('send --test', () => {
  it('delivers one real message per address, marked as a test, and records nothing', async () => {
    const config = project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET });
    const result = await sendTest(config, { edition: 'latest', to: ['editor@example.org', 'second@example.org'], log: silentLogger });
    expect(result.sent).toEqual(['editor@example.org', 'second@example.org']);
    expect(sink.messages.map((m) => m.to[0])).toEqual(['editor@example.org', 'second@example.org']);
    const mail = await parseMail(sink.messages[0]!.raw);
    expect(mail.subject).toMatch(/^\[Test\] Test Briefing #1: /);
    expect(mail.html).toContain('Safety institute publishes evaluation');
    expect(mail.html).toContain('Open weights model tops leaderboard');
    expect(headerLine(mail, 'list-unsubscribe')).toBe('<https://briefing.test/unsubscribe?token=test>');
    expect(deliveriesFor(db, EDITION_ID)).toEqual([]);
    expect(readFileSync(editionFile(), 'utf8')).not.toMatch(/sent_at/);
  });

  it("a test message's links open a page that says so, and unsubscribe nobody", async () => {
    const server = await startServer(project.config({ BRIEFING_SECRET: SECRET }), { distDir: project.root, port: 0, host: '127.0.0.1', log: silentLogger, db, transport: { name: 'none', send: async () => ({ response: '250' }), close: async () => {} } });
    try {
      for (const url of ['/unsubscribe?token=test', '/preferences?token=test']) {
        const get = await fetch(server.url + url);
        expect(get.status).toBe(200);
        expect(await get.text()).toMatch(/This link came in a test send/);
        const post = await fetch(server.url + url, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(post.status).toBe(200);
      }
      expect(findSubscriber(db, 'reader@example.com')!.status).toBe('confirmed');
    } finally {
      await server.close();
    }
  });

  it('the CLI: works with the outbox, and refuses a bad address before sending anything', async () => {
    db.close();
    const env = { BRIEFING_DATA_DIR: project.dataDir };
    const bad = await runCliAsync(['send', 'latest', '--test', 'editor@example.org,not an address'], { cwd: project.root, env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--test: "not an address" is not an email address/);
    const good = await runCliAsync(['send', 'latest', '--test', 'editor@example.org'], { cwd: project.root, env });
    expect(good.status).toBe(0);
    expect(good.stderr).toMatch(/sent 1 test message of edition 2026-11-23; no subscriber got it, and the edition is still a draft/);
    const outbox = path.join(project.dataDir, 'outbox', `${EDITION_ID}-test`);
    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(readFileSync(path.join(outbox, files[0]!), 'utf8')).toMatch(/^Subject: \[Test\] /m);
    db = openDatabase(project.dataDir);
    expect(deliveriesFor(db, EDITION_ID)).toEqual([]);
  });
});
