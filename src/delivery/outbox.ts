/**
 * Writes each message as an .eml file: what a new user gets without a mail
 * server. `unique` names files by time (confirmation mails); otherwise by
 * recipient, so a retry replaces the file instead of adding one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../files.js';
import path from 'node:path';
import { signDkim, type DkimSettings } from './dkim.js';
import { joinMessage, type Transport } from './transport.js';

export function createOutboxTransport(dir: string, options: { unique?: boolean; dkim?: DkimSettings | undefined } = {}): Transport {
  return {
    name: `outbox ${dir}`,
    local: true,
    async send(raw, envelope, beforeData) {
      // Messages hold subscribers' addresses and signed links: for this user only.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      beforeData?.();
      let bytes = joinMessage(raw);
      if (options.dkim) bytes = await signDkim(bytes, options.dkim);
      const who = (envelope.to[0] ?? 'unknown').replace(/[^A-Za-z0-9@._+-]/g, '_').slice(0, 200);
      const name = options.unique ? `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}-${who}.eml` : `${who}.eml`;
      const file = path.join(dir, name);
      // Whole or not at all: a full disk leaves no half-written message (and no temporary file).
      await writeFileAtomic(file, bytes, { mode: 0o600 });
      return { response: `250 written to ${file}` };
    },
    async close() {},
  };
}
