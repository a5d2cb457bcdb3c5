/**
 * Optional DKIM signing (config delivery.dkim): the signature covers both
 * List-Unsubscribe headers (RFC 8058) and verifies with the public key.
 */
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { silentLogger } from '../../src/log.js';
import { openDatabase } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import { EDITION_ID, SECRET, editionProject } from './edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

/** Minimal relaxed/relaxed DKIM verification (RFC 6376 §3.4.2, §3.4.4). */
function verifyDkim(raw: string, publicKeyPem: string): { headers: string[] } {
  const split = raw.indexOf('\r\n\r\n');
  const headerText = raw.slice(0, split);
  const body = raw.slice(split + 4);
  const fields = headerText.split(/\r\n(?![ \t])/);
  const relaxed = (field: string) => {
    const colon = field.indexOf(':');
    return field.slice(0, colon).trim().toLowerCase() + ':' + field.slice(colon + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim();
  };
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f))!;
  const tags = Object.fromEntries(
    relaxed(sigField)
      .slice('dkim-signature:'.length)
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  ) as Record<string, string>;
  expect(tags.c).toBe('relaxed/relaxed');
  let canonBody = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, '')).join('\r\n').replace(/(\r\n)*$/, '');
  canonBody = canonBody ? canonBody + '\r\n' : '';
  expect(createHash('sha256').update(canonBody).digest('base64')).toBe(tags.bh);
  const signed = tags.h!.split(':').map((name) => name.toLowerCase());
  const remaining = [...fields];
  const lines: string[] = [];
  for (const name of signed) {
    // Headers are taken bottom-up (RFC 6376 §5.4.2); a missing one signs as empty.
    const index = remaining.map((f) => f.slice(0, f.indexOf(':')).trim().toLowerCase()).lastIndexOf(name);
    if (index >= 0) lines.push(relaxed(remaining.splice(index, 1)[0]!) + '\r\n');
  }
  const sigWithoutB = relaxed(sigField).replace(/b=[^;]*$/, 'b=').replace(/(;\s*b=)[^;]*(;|$)/, '$1$2');
  const ok = verify('sha256', Buffer.from(lines.join('') + sigWithoutB), publicKeyPem, Buffer.from(tags.b!, 'base64'));
  expect(ok).toBe(true);
  return { headers: signed };
}

describe('DKIM', () => {
  it('signs each message, covering List-Unsubscribe and List-Unsubscribe-Post', async () => {
    project = await editionProject({ delivery: { dkim: { domain: 'briefing.test', selector: 's2026', private_key_file: 'dkim.pem' } } });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(path.join(project.root, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const db = openDatabase(project.dataDir);
    addSubscriber(db, { email: 'reader@example.org', name: 'Reader', source: 'test' });
    db.close();
    const summary = await sendEdition(project.config({ BRIEFING_SECRET: SECRET }), { edition: 'latest', log: silentLogger, progress: 'none' });
    expect(summary.sent).toBe(1);
    const dir = path.join(project.dataDir, 'outbox', EDITION_ID);
    const raw = readFileSync(path.join(dir, readdirSync(dir)[0]!), 'latin1');
    expect(raw).toMatch(/^DKIM-Signature: /);
    expect(raw).toMatch(/d=briefing\.test;/);
    expect(raw).toMatch(/s=s2026;/);
    const { headers } = verifyDkim(raw, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(headers).toEqual(expect.arrayContaining(['from', 'subject', 'to', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']));
  });
});
