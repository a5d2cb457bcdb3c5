/**
 * Signed links for subscribers: confirm, preferences, unsubscribe. A token is
 * `<public id>.<HMAC-SHA256>` (base64url): the random id, never the row id, so
 * a link tells nothing of the list's size. The MAC covers the purpose, the id
 * and the address, so a token works for one purpose and one subscriber only,
 * and dies when the address is removed. A confirmation token also covers the
 * request time, so links from an older request stop working. Links mailed
 * before public ids (`<row id>.<MAC>`, v1) still verify.
 */
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../files.js';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { BriefingError } from '../errors.js';
import type { Db } from '../store/db.js';
import { LEGACY_ID, subscriberByLinkId, type Subscriber } from './subscribers.js';

export type TokenPurpose = 'confirm' | 'preferences' | 'unsubscribe';

export interface TokenSigner {
  sign(purpose: TokenPurpose, subscriber: Pick<Subscriber, 'publicId' | 'email' | 'requestedAt'>): string;
  /** The subscriber the token was made for, or undefined (forged, wrong purpose, removed, re-requested). */
  verify(db: Db, purpose: TokenPurpose, token: unknown): Subscriber | undefined;
}

export function createSigner(secret: string): TokenSigner {
  // Imported once: a send signs two links per recipient.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  // v2 names the public id; v1 (links mailed before it) the row id.
  const mac = (purpose: TokenPurpose, s: Pick<Subscriber, 'email' | 'requestedAt'>, version: 'v1' | 'v2', id: string): Buffer =>
    createHmac('sha256', key)
      .update([`briefing-token-${version}`, purpose, id, s.email.toLowerCase(), purpose === 'confirm' ? (s.requestedAt ?? '') : ''].join('\n'))
      .digest();
  return {
    sign: (purpose, s) => `${s.publicId}.${mac(purpose, s, 'v2', s.publicId).toString('base64url')}`,
    verify(db, purpose, token) {
      if (typeof token !== 'string') return undefined;
      const match = /^([0-9a-f]{18}|[1-9][0-9]{0,14})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return undefined;
      const subscriber = subscriberByLinkId(db, match[1]!);
      if (!subscriber) return undefined;
      const given = Buffer.from(match[2]!, 'base64url');
      // 43 characters carry 258 bits for 256: only the spelling whose 2 spare bits are zero is the token.
      if (given.toString('base64url') !== match[2]) return undefined;
      const expected = LEGACY_ID.test(match[1]!) ? mac(purpose, subscriber, 'v1', String(subscriber.id)) : mac(purpose, subscriber, 'v2', subscriber.publicId);
      return given.length === expected.length && timingSafeEqual(given, expected) ? subscriber : undefined;
    },
  };
}

export const SECRET_FILE = 'secret';

export interface ResolvedSecret {
  secret: string;
  /** Set when a local development secret is in use (no BRIEFING_SECRET, no SMTP_URL). */
  devSecretFile?: string;
}

/**
 * BRIEFING_SECRET signs every link. Real mail (SMTP_URL set) without it is
 * refused: links signed with a made-up secret would break when the machine
 * or data folder changes. With no SMTP_URL (outbox mode, local trials) a
 * random secret is created once in <dataDir>/secret and reused, so a new
 * user can try everything without setting anything up.
 */
export function resolveSecret(config: Config): ResolvedSecret {
  const given = config.secrets.secret;
  if (given !== undefined) {
    if (given.length < 16) {
      throw new BriefingError('SECRET_MISSING', 'BRIEFING_SECRET is too short: use at least 16 random characters (e.g. `openssl rand -base64 32`)');
    }
    return { secret: given };
  }
  if (config.secrets.smtpUrl) {
    throw new BriefingError(
      'SECRET_MISSING',
      'BRIEFING_SECRET is not set: it signs the unsubscribe and preferences links, so real mail is not sent without it. ' +
        'Set it to a long random value (e.g. `openssl rand -base64 32`) and keep it stable.',
    );
  }
  const file = path.join(config.dataDir, SECRET_FILE);
  const onDisk = readLocalSecret(file);
  if (onDisk !== undefined && onDisk.length >= 32) return { secret: onDisk, devSecretFile: file };
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  try {
    // Whole or not at all: a half-written secret would sign links with it. A new one never replaces another
    // process's; a damaged one (empty or cut short, as a full disk left them before) is replaced.
    writeFileAtomicSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, exclusive: onDisk === undefined });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw new BriefingError('INTERNAL', `cannot write the local secret (${(cause as Error).message})`, { file, cause });
  }
  // What is on disk now is the secret, whichever process wrote it.
  const secret = readLocalSecret(file);
  if (secret === undefined || secret.length < 32) throw new BriefingError('INTERNAL', 'the local secret could not be created', { file });
  return { secret, devSecretFile: file };
}

function readLocalSecret(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BriefingError('INTERNAL', 'cannot read the local secret', { file, cause });
  }
}
