/**
 * `send EDITION --test a@x,b@y`: the real message, for each address, before
 * anyone else gets it. The subject is prefixed "[Test]", the personal links
 * carry the test token (they open a page saying so, and change nothing), no
 * delivery row is written and the edition stays a draft.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { createVariantCache } from '../render/variants.js';
import { absolute, paths, TEST_TOKEN } from '../urls.js';
import { compileMessage } from './mime.js';
import { findEdition } from './send.js';
import { createTransport } from './transport-from-config.js';
import type { Transport } from './transport.js';

export interface TestSendOptions {
  edition: string;
  /** Normalised addresses. */
  to: string[];
  log: Logger;
  /** For tests: a transport instead of SMTP_URL / the outbox. */
  transport?: Transport;
}

export async function sendTest(config: Config, options: TestSendOptions): Promise<{ editionId: string; sent: string[] }> {
  const edition = await findEdition(config, options.edition);
  const variant = await createVariantCache(config, edition).get(config.themes.map((t) => t.slug));
  const domain = config.sender.address.slice(config.sender.address.lastIndexOf('@') + 1);
  const template = compileMessage(
    { ...variant, subject: `[Test] ${variant.subject}` },
    { fromName: config.sender.name, fromAddress: config.sender.address, replyTo: config.sender.reply_to, listId: { name: config.site.title, id: new URL(config.site.base_url).hostname } },
  );
  const transport = options.transport ?? createTransport(config, path.join(config.dataDir, 'outbox', `${edition.id}-test`), { unique: true });
  const sent: string[] = [];
  try {
    await transport.verify?.();
    for (const to of options.to) {
      const raw = template.renderWire({
        to,
        messageId: `test.${edition.id}.${randomBytes(6).toString('hex')}@${domain}`,
        unsubscribeUrl: absolute(config.site.base_url, paths.unsubscribe(TEST_TOKEN)),
        preferencesUrl: absolute(config.site.base_url, paths.preferences(TEST_TOKEN)),
        name: '',
      });
      const result = await transport.send(raw, { from: config.sender.address, to: [to] });
      options.log.info(`test message for edition ${edition.id} to ${to}: ${result.response}`);
      sent.push(to);
    }
  } finally {
    if (!options.transport) await transport.close();
  }
  return { editionId: edition.id, sent };
}
