/**
 * Each recipient's message: the variant for their themes, compiled once per
 * variant (MIME built, bodies encoded), then filled in with their address,
 * Message-ID and signed links.
 */
import type { Config } from '../config/schema.js';
import type { VariantCache } from '../render/variants.js';
import { absolute, paths } from '../urls.js';
import { compileMessage, messageIdFor, type MessageTemplate } from './mime.js';
import type { Recipient } from './recipients.js';
import { themesFromColumn } from './themes.js';
import type { TokenSigner } from './tokens.js';
import type { Envelope, WireMessage } from './transport.js';
import { bounceAddress } from './verp.js';

/** A subscriber's followed themes; none stored means every configured theme. */
export const followed = (config: Config, column: string): string[] => {
  const themes = themesFromColumn(column);
  return themes.length > 0 ? themes : config.themes.map((t) => t.slug);
};

export interface Messages {
  /** Compiles the variants of these stored theme columns now (before the first recipient waits for one). */
  prepare(columns: readonly string[]): Promise<void>;
  /** The message, and its envelope: from the VERP address naming it when delivery.bounce_domain is set. */
  render(recipient: Recipient): Promise<{ raw: WireMessage; envelope: Envelope; messageId: string }>;
  /** Distinct variants compiled so far. */
  readonly variants: number;
}

/** `linkBase`: where personal links point (see linkBase in transport-from-config.ts). */
export function createMessages(config: Config, editionId: string, variants: VariantCache, signer: TokenSigner, secret: string, linkBase = config.site.base_url): Messages {
  const headerInfo = {
    fromName: config.sender.name,
    fromAddress: config.sender.address,
    replyTo: config.sender.reply_to,
    listId: { name: config.site.title, id: new URL(config.site.base_url).hostname },
    date: new Date(),
  };
  const byKey = new Map<string, Promise<MessageTemplate>>();
  // Per stored themes column (a handful of distinct values): parsing and keying once, not per recipient.
  const byColumn = new Map<string, MessageTemplate>();

  const templateOf = async (column: string): Promise<MessageTemplate> => {
    const ready = byColumn.get(column);
    if (ready) return ready;
    const themes = followed(config, column);
    const key = variants.themeKey(themes) ?? '';
    let template = byKey.get(key);
    if (!template) {
      template = variants.get(themes).then((variant) => compileMessage(variant, headerInfo));
      byKey.set(key, template);
    }
    const compiled = await template;
    byColumn.set(column, compiled);
    return compiled;
  };

  return {
    async prepare(columns) {
      for (const column of columns) await templateOf(column);
    },
    async render(r) {
      const template = byColumn.get(r.themes) ?? (await templateOf(r.themes));
      const messageId = messageIdFor(editionId, r.public_id, config.sender.address);
      const who = { publicId: r.public_id, email: r.email, requestedAt: r.requested_at };
      const raw = template.renderWire({
        to: r.email,
        messageId,
        unsubscribeUrl: absolute(linkBase, paths.unsubscribe(signer.sign('unsubscribe', who))),
        preferencesUrl: absolute(linkBase, paths.preferences(signer.sign('preferences', who))),
        name: r.name,
      });
      const domain = config.delivery.bounce_domain;
      const from = domain ? bounceAddress(secret, domain, { editionId, subscriber: r.public_id }) : config.sender.address;
      return { raw, envelope: { from, to: [r.email] }, messageId };
    },
    get variants() {
      return byKey.size;
    },
  };
}
