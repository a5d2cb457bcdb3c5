/**
 * Provider webhooks for bounces and complaints: each request's signature is
 * checked first (a bad or missing one changes nothing), then its events are
 * read into the same reports a bounce mailbox gives (parse.ts), so one code
 * path (apply.ts) records them all.
 *   ses       Amazon SES through SNS: the SNS message signature (RSA, SHA1 or
 *             SHA256) against the certificate at SigningCertURL, only from
 *             sns.<region>.amazonaws.com (or a pinned file), only for the
 *             configured topic.
 *   postmark  HTTP basic auth with the credentials put in the webhook URL
 *             (Postmark signs nothing else).
 *   mailgun   HMAC-SHA256 of timestamp + token with the webhook signing key.
 *   sendgrid  the signed event webhook: ECDSA P-256 over timestamp + body.
 *   generic   `X-Briefing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * Signed timestamps older than five minutes are refused (replays).
 */
import { createHash, createHmac, createPublicKey, createVerify, timingSafeEqual, verify as verifySignature, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ReportEntry, Report } from './parse.js';

export type Provider = 'ses' | 'postmark' | 'mailgun' | 'sendgrid' | 'generic';
export const PROVIDERS: readonly Provider[] = ['ses', 'postmark', 'mailgun', 'sendgrid', 'generic'];

export interface WebhookSettings {
  generic?: string | undefined;
  mailgun?: string | undefined;
  sendgrid?: string | undefined;
  postmark?: string | undefined;
  ses?: { topicArn: string; certificate: (url: string) => Promise<string> } | undefined;
  /** Mailgun tokens seen in the last five minutes, with a hash of the body each came with (replays). */
  mailgunTokens?: Map<string, { body: string; at: number }>;
}

/** A verified request's reports, or why it was refused (answered 401). */
export type Verified = { ok: true; reports: Report[]; subscribeUrl?: string } | { ok: false; why: string };

const MAX_AGE_S = 300;
const fresh = (seconds: number, now: number) => Number.isFinite(seconds) && Math.abs(now / 1000 - seconds) <= MAX_AGE_S;
const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export async function verifyWebhook(provider: Provider, settings: WebhookSettings, headers: IncomingHttpHeaders, body: Buffer, now = Date.now()): Promise<Verified> {
  let json: unknown;
  const parseJson = () => {
    json = JSON.parse(body.toString('utf8'));
    return json;
  };
  try {
    switch (provider) {
      case 'generic': {
        if (!settings.generic) return { ok: false, why: 'not configured (BRIEFING_WEBHOOK_SECRET)' };
        const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header(headers, 'x-briefing-signature') ?? '');
        if (!sig || !fresh(Number(sig[1]), now)) return { ok: false, why: 'missing, malformed or stale X-Briefing-Signature' };
        const expected = createHmac('sha256', settings.generic).update(`${sig[1]}.`).update(body).digest();
        if (!same(Buffer.from(sig[2]!, 'hex'), expected)) return { ok: false, why: 'bad signature' };
        return { ok: true, reports: genericReports(parseJson()) };
      }
      case 'mailgun': {
        if (!settings.mailgun) return { ok: false, why: 'not configured (MAILGUN_WEBHOOK_SIGNING_KEY)' };
        const payload = parseJson() as { signature?: { timestamp?: string; token?: string; signature?: string } };
        const s = payload.signature ?? {};
        if (!s.timestamp || !s.token || !/^[0-9a-f]{64}$/.test(s.signature ?? '') || !fresh(Number(s.timestamp), now)) return { ok: false, why: 'missing, malformed or stale signature' };
        const expected = createHmac('sha256', settings.mailgun).update(s.timestamp + s.token).digest();
        if (!same(Buffer.from(s.signature!, 'hex'), expected)) return { ok: false, why: 'bad signature' };
        // The signature does not cover the body: a token may come again only with the body it came with.
        if (!rememberToken(settings, s.token, body, now)) return { ok: false, why: 'a signature already used for another event' };
        return { ok: true, reports: mailgunReports(payload as Parameters<typeof mailgunReports>[0]) };
      }
      case 'sendgrid': {
        if (!settings.sendgrid) return { ok: false, why: 'not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)' };
        const signature = header(headers, 'x-twilio-email-event-webhook-signature');
        const timestamp = header(headers, 'x-twilio-email-event-webhook-timestamp');
        if (!signature || !timestamp || !fresh(Number(timestamp), now)) return { ok: false, why: 'missing or stale signature headers' };
        const key = createPublicKey({ key: Buffer.from(settings.sendgrid, 'base64'), format: 'der', type: 'spki' });
        const good = verifySignature('sha256', Buffer.concat([Buffer.from(timestamp), body]), key, Buffer.from(signature, 'base64'));
        if (!good) return { ok: false, why: 'bad signature' };
        return { ok: true, reports: sendgridReports(parseJson()) };
      }
      case 'postmark': {
        if (!settings.postmark) return { ok: false, why: 'not configured (POSTMARK_WEBHOOK_AUTH)' };
        const auth = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header(headers, 'authorization') ?? '');
        if (!auth || !same(Buffer.from(auth[1]!, 'base64'), Buffer.from(settings.postmark))) return { ok: false, why: 'missing or wrong basic-auth credentials' };
        return { ok: true, reports: postmarkReports(parseJson() as Parameters<typeof postmarkReports>[0]) };
      }
      case 'ses':
        return await verifySes(settings, parseJson() as SnsMessage);
    }
  } catch (error) {
    return { ok: false, why: json === undefined ? 'the body is not JSON' : `cannot verify it: ${(error as Error).message}` };
  }
}

function rememberToken(settings: WebhookSettings, token: string, body: Buffer, now: number): boolean {
  const seen = settings.mailgunTokens;
  if (!seen) return false;
  for (const [t, v] of seen) if (now - v.at > MAX_AGE_S * 1000) seen.delete(t);
  const hash = createHash('sha256').update(body).digest('hex');
  const before = seen.get(token);
  if (before) return before.body === hash;
  seen.set(token, { body: hash, at: now });
  return true;
}

interface SnsMessage {
  Type?: string;
  Message?: string;
  MessageId?: string;
  Subject?: string;
  SubscribeURL?: string;
  Timestamp?: string;
  Token?: string;
  TopicArn?: string;
  Signature?: string;
  SignatureVersion?: string;
  SigningCertURL?: string;
}

/** https://sns.<region>.amazonaws.com/….pem, and nothing else: anyone can sign with a certificate of their own. */
export const SNS_CERT_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[^?#]+\.pem$/;

async function verifySes(settings: WebhookSettings, m: SnsMessage): Promise<Verified> {
  if (!settings.ses) return { ok: false, why: 'not configured (delivery.ses.topic_arn)' };
  if (m.TopicArn !== settings.ses.topicArn) return { ok: false, why: `from topic ${m.TopicArn ?? '(none)'}, not delivery.ses.topic_arn` };
  if (!m.Signature || !m.SigningCertURL || !SNS_CERT_URL.test(m.SigningCertURL)) return { ok: false, why: 'unsigned, or signed with a certificate not from sns.<region>.amazonaws.com' };
  const fields = m.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const signed = fields.filter((f) => m[f as keyof SnsMessage] !== undefined).map((f) => `${f}\n${m[f as keyof SnsMessage]}\n`).join('');
  const certificate = new X509Certificate(await settings.ses.certificate(m.SigningCertURL));
  const verifier = createVerify(m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1').update(signed);
  if (!verifier.verify(certificate.publicKey, Buffer.from(m.Signature, 'base64'))) return { ok: false, why: 'bad signature' };
  if (m.Type === 'SubscriptionConfirmation') return { ok: true, reports: [], ...(m.SubscribeURL ? { subscribeUrl: m.SubscribeURL } : {}) };
  if (m.Type !== 'Notification') return { ok: true, reports: [] };
  return { ok: true, reports: sesReports(JSON.parse(m.Message ?? '{}'), m.MessageId ?? '') };
}

const report = (id: string, entries: ReportEntry[], extra: { messageId?: string | undefined; envelope?: string | undefined } = {}): Report => ({
  id,
  envelopeAddresses: extra.envelope ? [extra.envelope.toLowerCase()] : [],
  ...(extra.messageId ? { originalMessageId: extra.messageId.replace(/^<|>$/g, '') } : {}),
  entries,
});
const lower = (s: unknown) => (typeof s === 'string' ? s.trim().toLowerCase() : undefined);
const text = (...parts: unknown[]) => parts.filter((p) => typeof p === 'string' && p).join(' ') || 'no details given';

function sesReports(n: {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; bouncedRecipients?: { emailAddress?: string; status?: string; diagnosticCode?: string }[] };
  complaint?: { complainedRecipients?: { emailAddress?: string }[]; complaintFeedbackType?: string };
  mail?: { source?: string; commonHeaders?: { messageId?: string }; headers?: { name: string; value: string }[] };
}, id: string): Report[] {
  const type = n.notificationType ?? n.eventType;
  const messageId = n.mail?.headers?.find((h) => h.name.toLowerCase() === 'message-id')?.value ?? n.mail?.commonHeaders?.messageId;
  const extra = { messageId, envelope: n.mail?.source };
  if (type === 'Bounce') {
    const hint = n.bounce?.bounceType === 'Permanent' ? 'hard' : 'soft';
    return [report(id, (n.bounce?.bouncedRecipients ?? []).map((r) => ({ kind: 'bounce' as const, recipient: lower(r.emailAddress), ...(r.status ? { status: r.status } : {}), diagnostic: text(r.diagnosticCode, r.status, n.bounce?.bounceType), hint })), extra)];
  }
  if (type === 'Complaint') return [report(id, (n.complaint?.complainedRecipients ?? []).map((r) => ({ kind: 'complaint' as const, recipient: lower(r.emailAddress), diagnostic: `complaint (${n.complaint?.complaintFeedbackType ?? 'abuse'}) via Amazon SES` })), extra)];
  return [];
}

function postmarkReports(p: { RecordType?: string; Type?: string; Email?: string; Details?: string; Description?: string; ID?: number | string; MessageID?: string }): Report[] {
  const id = `postmark-${p.ID ?? p.MessageID ?? ''}-${p.RecordType ?? ''}`;
  if (p.RecordType === 'SpamComplaint') return [report(id, [{ kind: 'complaint', recipient: lower(p.Email), diagnostic: 'complaint via Postmark' }])];
  if (p.RecordType !== 'Bounce') return [];
  const hint = p.Type === 'HardBounce' || p.Type === 'BadEmailAddress' ? 'hard' : p.Type === 'SpamNotification' || p.Type === 'Blocked' ? 'blocked' : 'soft';
  return [report(id, [{ kind: 'bounce', recipient: lower(p.Email), diagnostic: text(p.Details, p.Description, p.Type), hint }])];
}

function mailgunReports(p: { 'event-data'?: { id?: string; event?: string; severity?: string; recipient?: string; message?: { headers?: { 'message-id'?: string } }; 'delivery-status'?: { code?: number; message?: string; description?: string } } }): Report[] {
  const e = p['event-data'];
  if (!e) return [];
  const messageId = e.message?.headers?.['message-id'];
  const id = `mailgun-${e.id ?? ''}`;
  if (e.event === 'complained') return [report(id, [{ kind: 'complaint', recipient: lower(e.recipient), diagnostic: 'complaint via Mailgun' }], { messageId })];
  if (e.event !== 'failed') return [];
  const d = e['delivery-status'] ?? {};
  const kind = e.severity === 'temporary' ? 'delayed' : 'bounce';
  return [report(id, [{ kind, recipient: lower(e.recipient), diagnostic: text(d.code ? String(d.code) : undefined, d.message, d.description), hint: 'hard' }], { messageId })];
}

function sendgridReports(events: unknown): Report[] {
  if (!Array.isArray(events)) return [];
  return events.flatMap((e: { event?: string; type?: string; email?: string; status?: string; reason?: string; sg_event_id?: string; 'smtp-id'?: string }) => {
    const id = `sendgrid-${e.sg_event_id ?? ''}`;
    const extra = { messageId: e['smtp-id'] };
    if (e.event === 'spamreport') return [report(id, [{ kind: 'complaint', recipient: lower(e.email), diagnostic: 'complaint via SendGrid' }], extra)];
    if (e.event !== 'bounce' && e.event !== 'dropped') return [];
    const hint = e.type === 'blocked' ? 'blocked' : 'hard';
    return [report(id, [{ kind: 'bounce', recipient: lower(e.email), ...(e.status ? { status: e.status } : {}), diagnostic: text(e.reason, e.status), hint }], extra)];
  });
}

function genericReports(body: unknown): Report[] {
  const events = Array.isArray(body) ? body : [body];
  return events.flatMap((e: { id?: string; type?: string; email?: string; message_id?: string; status?: string; diagnostic?: string }) => {
    if (!e || typeof e !== 'object' || !['hard', 'soft', 'blocked', 'complaint'].includes(e.type ?? '')) return [];
    const kind = e.type === 'complaint' ? ('complaint' as const) : ('bounce' as const);
    const hint = e.type === 'complaint' ? undefined : (e.type as 'hard' | 'soft' | 'blocked');
    return [report(`generic-${e.id ?? JSON.stringify(e)}`, [{ kind, recipient: lower(e.email), ...(e.status ? { status: e.status } : {}), diagnostic: text(e.diagnostic, e.type), ...(hint ? { hint } : {}) }], { messageId: e.message_id })];
  });
}
