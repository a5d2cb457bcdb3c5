/**
 * Writes each message as an .eml file: what a new user gets without a mail
 * server. `unique` names files by time (confirmation mails); otherwise by
 * recipient, so a retry replaces the file instead of adding one.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { signDkim, type DkimSettings } from './dkim.js';
import { joinMessage, type Transport } from './transport.js';

export function createOutboxTransport(dir: string, options: { unique?: boolean; dkim?: DkimSettings | undefined } = {}): Transport {
  return {
    name: `outbox ${dir}`,
    async send(raw, envelope, beforeData) {
      mkdirSync(dir, { recursive: true });
      beforeData?.();
      let bytes = joinMessage(raw);
      if (options.dkim) bytes = await signDkim(bytes, options.dkim);
      const who = (envelope.to[0] ?? 'unknown').replace(/[^A-Za-z0-9@._+-]/g, '_').slice(0, 200);
      const name = options.unique ? `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}-${who}.eml` : `${who}.eml`;
      const file = path.join(dir, name);
      const temp = `${file}.${process.pid}.tmp`;
      writeFileSync(temp, bytes);
      renameSync(temp, file);
      return { response: `250 written to ${file}` };
    },
    async close() {},
  };
}
