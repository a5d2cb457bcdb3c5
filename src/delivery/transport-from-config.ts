/** The transport the configuration asks for: SMTP when SMTP_URL is set, else the outbox folder. */
import type { Config } from '../config/schema.js';
import { dkimSettings } from './dkim.js';
import { createOutboxTransport } from './outbox.js';
import { createSmtpTransport } from './smtp-pool.js';
import type { Transport } from './transport.js';

export function createTransport(config: Config, outboxDir: string, options: { unique?: boolean } = {}): Transport {
  const dkim = dkimSettings(config);
  if (config.secrets.smtpUrl) {
    return createSmtpTransport(config.secrets.smtpUrl, { poolSize: config.delivery.pool_size, ratePerSecond: config.delivery.rate_per_second, dkim });
  }
  return createOutboxTransport(outboxDir, { ...options, dkim });
}

/**
 * The base of the personal links (confirm, preferences, unsubscribe) in mail going out through
 * `transport`. Mail over SMTP reaches readers: site.base_url. The outbox is read on this machine, by
 * someone trying Briefing out before the site is live: its links point at the local server, so they can
 * be clicked through (`localUrl`, the running server's; else where `briefing serve` listens).
 */
export function linkBase(config: Config, transport: Transport, localUrl = ''): string {
  if (!transport.local) return config.site.base_url;
  if (localUrl) return localUrl;
  const host = config.server.host;
  const shown = /^(0\.0\.0\.0|::|)$/.test(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${config.server.port}`;
}
