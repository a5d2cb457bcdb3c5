/**
 * POST /webhooks/<provider>: bounces and complaints from an email service.
 * A request whose signature does not check out is answered 401 and changes
 * nothing; a verified one is applied like a bounce report from the mailbox.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { applyReport } from '../bounces/apply.js';
import { PROVIDERS, SNS_CERT_URL, verifyWebhook, type Provider, type WebhookSettings } from '../bounces/webhooks.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { readBody } from './forms.js';

/** Provider payloads are small; SendGrid batches events, so allow a little more than a form. */
const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookContext {
  config: Config;
  db: Db;
  secret: string;
  log: Logger;
  settings: WebhookSettings;
}

export const isProvider = (name: string): name is Provider => (PROVIDERS as readonly string[]).includes(name);

export function webhookSettings(config: Config): WebhookSettings {
  const ses = config.delivery.ses;
  const pinned = ses?.certificate_file ? path.resolve(config.root, ses.certificate_file) : undefined;
  const cache = new Map<string, Promise<string>>();
  const fetchCertificate = (url: string) => {
    if (!SNS_CERT_URL.test(url)) return Promise.reject(new Error('not an SNS certificate URL'));
    let pem = cache.get(url);
    if (!pem) {
      pem = fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`certificate: HTTP ${r.status}`))));
      pem.catch(() => cache.delete(url));
      cache.set(url, pem);
    }
    return pem;
  };
  return {
    ...config.secrets.webhooks,
    mailgunTokens: new Map(),
    ...(ses ? { ses: { topicArn: ses.topic_arn, certificate: pinned ? async () => readFileSync(pinned, 'utf8') : fetchCertificate } } : {}),
  };
}

export async function handleWebhook(ctx: WebhookContext, req: IncomingMessage, res: ServerResponse, provider: Provider): Promise<void> {
  const reply = (status: number, body: object) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  };
  const body = await readBody(req, MAX_WEBHOOK_BYTES);
  const verified = await verifyWebhook(provider, ctx.settings, req.headers, body);
  if (!verified.ok) {
    ctx.log.warn(`webhook ${provider}: refused (${verified.why}); nothing changed`);
    return reply(401, { error: 'unauthorized' });
  }
  if (verified.subscribeUrl) ctx.log.warn(`webhook ses: SNS asks to confirm the subscription; open ${verified.subscribeUrl} once to start receiving notifications`);
  let applied = 0;
  let ignored = 0;
  for (const report of verified.reports) {
    for (const outcome of applyReport(ctx.db, ctx.config, ctx.secret, report, { source: 'webhook' })) {
      if (outcome.result === 'applied') {
        applied += 1;
        ctx.log.info(`webhook ${provider}: ${outcome.kind === 'complaint' ? 'complaint' : `${outcome.kind} bounce`} for ${outcome.email} (edition ${outcome.editionId})`);
      } else if (outcome.result === 'ignored') {
        ignored += 1;
        ctx.log.warn(`webhook ${provider}: ${outcome.why}; nothing changed`);
      }
    }
  }
  reply(200, { applied, ignored });
}
