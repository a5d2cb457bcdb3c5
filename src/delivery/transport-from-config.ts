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
