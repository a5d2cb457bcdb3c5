/**
 * Signed tokens and the local secret: only a token's canonical spelling
 * verifies, and the secret file is written whole or not at all (a real full
 * disk, a tmpfs), readable by its owner only.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { createSigner, resolveSecret } from '../../src/delivery/tokens.js';
import { BriefingError } from '../../src/errors.js';
import { openDatabase } from '../../src/store/db.js';
import { tempProject, type TempProject } from '../helpers/project.js';
import { tmpfsPerTest } from '../helpers/tmpfs.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());
const mountTmpfs = tmpfsPerTest();

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const mode = (file: string) => statSync(file).mode & 0o777;

describe('tokens', () => {
  it('a token’s other spellings (its last character’s two spare bits set) are refused', () => {
    project = tempProject();
    const db = openDatabase(project.dataDir);
    try {
      const { subscriber } = addSubscriber(db, { email: 'reader@example.org', source: 'test' });
      const signer = createSigner('test-secret-that-is-long-enough-0123456789');
      const token = signer.sign('unsubscribe', subscriber);
      expect(signer.verify(db, 'unsubscribe', token)?.id).toBe(subscriber.id);
      const last = BASE64URL.indexOf(token.at(-1)!);
      expect(last % 4).toBe(0);
      for (const spare of [1, 2, 3]) {
        const twin = token.slice(0, -1) + BASE64URL[last + spare];
        expect(Buffer.from(twin.split('.')[1]!, 'base64url')).toEqual(Buffer.from(token.split('.')[1]!, 'base64url'));
        expect(signer.verify(db, 'unsubscribe', twin)).toBeUndefined();
      }
    } finally {
      db.close();
    }
  });
});

describe('tokens name an opaque id', () => {
  it('a link names the subscriber by a random id, not the row id (which told the list’s size); links mailed before still work', () => {
    project = tempProject();
    const db = openDatabase(project.dataDir);
    try {
      const secret = 'test-secret-that-is-long-enough-0123456789';
      const signer = createSigner(secret);
      const subs = ['a@example.org', 'b@example.org', 'c@example.org'].map((email) => addSubscriber(db, { email, source: 'test' }).subscriber);
      const tokens = subs.map((s) => signer.sign('preferences', s));
      for (const [i, token] of tokens.entries()) {
        expect(token.split('.')[0]).toBe(subs[i]!.publicId);
        expect(token.split('.')[0]).not.toBe(String(subs[i]!.id));
        expect(signer.verify(db, 'preferences', token)?.email).toBe(subs[i]!.email);
      }
      expect(new Set(subs.map((s) => s.publicId)).size).toBe(3);
      // A v1 link (row id) from a mail sent before public ids still verifies.
      const legacy = `${subs[1]!.id}.${createHmac('sha256', secret).update(['briefing-token-v1', 'unsubscribe', String(subs[1]!.id), 'b@example.org', ''].join('\n')).digest('base64url')}`;
      expect(signer.verify(db, 'unsubscribe', legacy)?.email).toBe('b@example.org');
    } finally {
      db.close();
    }
  });
});

describe('the local secret (outbox mode)', () => {
  it('on a full disk is not written at all, and is written whole once there is room, 0600', () => {
    const tmpfs = mountTmpfs();
    project = tempProject();
    const config = project.config({ BRIEFING_DATA_DIR: tmpfs.dir });
    const free = tmpfs.fill();
    let error: unknown;
    try {
      resolveSecret(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BriefingError);
    expect((error as BriefingError).located).toMatch(new RegExp(`${tmpfs.dir}/secret: cannot write the local secret \\(ENOSPC`));
    expect(readdirSync(tmpfs.dir).filter((f) => !f.startsWith('.filler'))).toEqual([]);

    free();
    const { secret, devSecretFile } = resolveSecret(config);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(devSecretFile!, 'utf8')).toBe(`${secret}\n`);
    expect(mode(devSecretFile!)).toBe(0o600);
    expect(resolveSecret(config).secret).toBe(secret);
  });

  it('an empty secret file, as a full disk used to leave, is replaced rather than used to sign links', () => {
    project = tempProject();
    mkdirSync(project.dataDir, { recursive: true });
    writeFileSync(path.join(project.dataDir, 'secret'), '');
    const { secret } = resolveSecret(project.config());
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(project.dataDir, 'secret'), 'utf8').trim()).toBe(secret);
  });
});
