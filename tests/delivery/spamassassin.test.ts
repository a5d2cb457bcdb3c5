/**
 * Every variant of a sent edition scores at most 0 in Debian's SpamAssassin
 * (local tests only, no network). Regression: MJML's preheader, hidden as
 * 1 px white text, scored 0.7 as HTML_FONT_LOW_CONTRAST.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';
import { SECRET, editionProject } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
beforeEach(async () => {
  project = await editionProject({ email: { greeting: 'Hello {name},' } });
  sink = await startSmtpSink();
});
afterEach(async () => {
  await sink.close();
  project.cleanup();
});

/** SpamAssassin's score and the rules that hit, for one raw message. */
function spamScore(raw: Buffer): { score: number; rules: string } {
  const run = spawnSync('spamassassin', ['-L', '-t'], { input: raw, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  expect(run.status, run.stderr).toBe(0);
  const score = /^X-Spam-Status: \w+, score=(-?[\d.]+)/m.exec(run.stdout);
  expect(score, 'no X-Spam-Status header in spamassassin output').not.toBeNull();
  return { score: Number(score![1]), rules: /^X-Spam-Status:.*(?:\n\s+.*)*/m.exec(run.stdout)![0] };
}

describe('SpamAssassin', () => {
  it('scores every variant at most 0', { timeout: 120_000 }, async () => {
    const db = openDatabase(project.dataDir);
    addSubscriber(db, { email: 'all@example.org', name: 'Ada', source: 'test' });
    addSubscriber(db, { email: 'safety@example.org', themes: ['safety'], source: 'test' });
    addSubscriber(db, { email: 'open@example.org', themes: ['open-source'], name: 'Lin', source: 'test' });
    db.close();
    await sendEdition(project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET }), { edition: 'latest', log: silentLogger, progress: 'none' });
    expect(sink.messages).toHaveLength(3);
    for (const m of sink.messages) {
      const { score, rules } = spamScore(m.raw);
      expect(score, `${m.to[0]}: ${rules}`).toBeLessThanOrEqual(0);
    }
  });
});
