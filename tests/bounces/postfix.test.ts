/**
 * The usual case after "250 OK": a relay (Debian's Postfix, on 127.0.0.1)
 * accepts every message, then the recipient's server refuses one and the
 * relay bounces it to the VERP envelope sender. Before bounce handling,
 * Briefing reported "2 sent" for ever; now `bounces import` hard-bounces and
 * suppresses the address, the next edition skips it, and `status` says so.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { writeEdition } from '../../src/editions/store.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/db.js';
import { EDITION_ID, SECRET, editionProject, runCliAsync } from '../delivery/edition-project.js';
import { startPostfix, type Postfix } from '../helpers/postfix.js';
import type { TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const DOMAIN = 'bounces.briefing.test';
let project: TempProject;
let farMx: SmtpSink;
let postfix: Postfix;

beforeEach(async () => {
  project = await editionProject({ delivery: { bounce_domain: DOMAIN } });
  farMx = await startSmtpSink();
  farMx.script(({ to, stage }) => (to === 'gone@example.com' && stage === 'rcpt' ? { code: 550, message: '5.1.1 <gone@example.com>: No such user' } : 'accept'));
  postfix = await startPostfix({ relayPort: farMx.port, bounceDomain: DOMAIN });
});
afterEach(async () => {
  await postfix.stop();
  await farMx.close();
  project.cleanup();
});

describe('a relay that accepts, then bounces', () => {
  it('the bounce, imported, suppresses the address; the next edition skips it; status shows it', { timeout: 90_000 }, async () => {
    const db = openDatabase(project.dataDir);
    addSubscriber(db, { email: 'ada@example.com', source: 'test' });
    addSubscriber(db, { email: 'gone@example.com', source: 'test' });
    db.close();
    const env = { BRIEFING_DATA_DIR: project.dataDir, SMTP_URL: `smtp://127.0.0.1:${postfix.port}`, BRIEFING_SECRET: SECRET };
    const config = project.config(env);
    expect(await sendEdition(config, { edition: EDITION_ID, log: silentLogger, progress: 'none' })).toMatchObject({ sent: 2, bounced: 0 });

    await postfix.waitForBounces(1);
    const imported = await runCliAsync(['bounces', 'import', postfix.maildir], { cwd: project.root, env });
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/1 message read: 1 hard bounce/);
    expect(imported.stdout).toMatch(/hard bounce for gone@example\.com \(edition 2026-11-23\)/);

    const status = await runCliAsync(['status', EDITION_ID, '--missing'], { cwd: project.root, env });
    expect(status.stdout).toMatch(/edition 2026-11-23: 1 sent, 0 blocked, 1 hard bounced/);
    expect(status.stdout).toMatch(/gone@example\.com {2}bounced {2}hard: .*5\.1\.1/);

    await writeEdition(project.editionsDir, { number: 2, date: '2026-11-30', briefs: ['open-weights-news', 'safety-news'], note: '' });
    const next = await sendEdition(config, { edition: '2026-11-30', log: silentLogger, progress: 'none' });
    expect(next).toMatchObject({ sent: 1, total: 1 });
  });
});
