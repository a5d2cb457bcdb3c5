/** DKIM signing (nodemailer's signer), for the SMTP pool and the outbox alike. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import DKIM from 'nodemailer/lib/dkim';
import type { Config } from '../config/schema.js';
import { BriefingError } from '../errors.js';

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** Headers the DKIM signature covers: the usual set, both List-Unsubscribe headers (RFC 8058 asks for it) and Feedback-ID (Gmail asks for it). */
export const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post:Feedback-ID';

export function dkimSettings(config: Config): DkimSettings | undefined {
  const dkim = config.delivery.dkim;
  if (!dkim) return undefined;
  const file = path.resolve(config.root, dkim.private_key_file);
  try {
    return { domainName: dkim.domain, keySelector: dkim.selector, privateKey: readFileSync(file, 'utf8') };
  } catch (cause) {
    throw new BriefingError('CONFIG_INVALID', 'cannot read the DKIM private key (delivery.dkim.private_key_file)', { file, cause });
  }
}

export async function signDkim(raw: Buffer, dkim: DkimSettings): Promise<Buffer> {
  const signer = new DKIM({ ...dkim, headerFieldNames: DKIM_HEADERS });
  const chunks: Buffer[] = [];
  for await (const chunk of signer.sign(raw)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
