/**
 * Provider webhooks on the real server (127.0.0.1), each with a real
 * signature: a signed bounce and a signed complaint are applied, a badly
 * signed or unsigned request is answered 401 and changes nothing. SES's SNS
 * signature is checked against a certificate this test makes with openssl.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageIdFor } from '../../src/delivery/mime.js';
import { sendEdition } from '../../src/delivery/send.js';
import { addSubscriber, findSubscriber } from '../../src/delivery/subscribers.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { EDITION_ID, SECRET, editionProject } from '../delivery/edition-project.js';
import type { TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:briefing-ses';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const GENERIC = 'generic-webhook-secret-0123456789';
const MAILGUN = 'key-mailgun-signing-0123456789';
const POSTMARK = 'briefing:postmark-password';
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

let project: TempProject;
let sink: SmtpSink;
let db: Db;
let server: RunningServer;
let snsKey: string;

beforeEach(async () => {
  project = await editionProject({ delivery: { ses: { topic_arn: TOPIC, certificate_file: 'sns.pem' } } });
  // A self-signed certificate standing in for SNS's (the endpoint would fetch the real one from CERT_URL).
  const keyFile = path.join(project.root, 'sns.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', path.join(project.root, 'sns.pem'), '-days', '2', '-subj', '/CN=sns.amazonaws.com'], { stdio: 'ignore' });
  snsKey = readFileSync(keyFile, 'utf8');
  sink = await startSmtpSink();
  const env = {
    SMTP_URL: sink.url,
    BRIEFING_SECRET: SECRET,
    BRIEFING_WEBHOOK_SECRET: GENERIC,
    MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN,
    POSTMARK_WEBHOOK_AUTH: POSTMARK,
    SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
  db = openDatabase(project.dataDir);
  for (const name of ['ada', 'grace']) addSubscriber(db, { email: `${name}@example.com`, source: 'test' });
  await sendEdition(project.config(env), { edition: EDITION_ID, log: silentLogger, progress: 'none' });
  mkdirSync(path.join(project.root, 'dist'), { recursive: true });
  server = await startServer(project.config(env), { distDir: path.join(project.root, 'dist'), port: 0, host: '127.0.0.1', log: silentLogger, db });
});
afterEach(async () => {
  await server.close();
  await sink.close();
  db.close();
  project.cleanup();
});

const post = (provider: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/webhooks/${provider}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const status = (email: string) => findSubscriber(db, email)!.status;
const messageId = (email: string) => messageIdFor(EDITION_ID, findSubscriber(db, email)!.publicId, 'briefing@briefing.test');
const now = () => String(Math.floor(Date.now() / 1000));

/** Each provider: how to sign a body, a bounce for one address and a complaint for another. */
const providers: Record<string, { sign: (body: string) => { body: string; headers: Record<string, string> }; bounce: (email: string) => string; complaint: (email: string) => string }> = {
  generic: {
    sign: (body) => {
      const t = now();
      return { body, headers: { 'x-briefing-signature': `t=${t},v1=${createHmac('sha256', GENERIC).update(`${t}.${body}`).digest('hex')}` } };
    },
    bounce: (email) => JSON.stringify({ id: 'g1', type: 'hard', email, status: '5.1.1', diagnostic: '550 5.1.1 user unknown' }),
    complaint: (email) => JSON.stringify({ id: 'g2', type: 'complaint', email }),
  },
  mailgun: {
    sign: (body) => {
      const timestamp = now();
      const token = randomBytes(25).toString('hex');
      const signature = createHmac('sha256', MAILGUN).update(timestamp + token).digest('hex');
      return { body: JSON.stringify({ signature: { timestamp, token, signature }, ...JSON.parse(body) }), headers: {} };
    },
    bounce: (email) => JSON.stringify({ 'event-data': { id: 'm1', event: 'failed', severity: 'permanent', recipient: email, message: { headers: { 'message-id': messageId(email) } }, 'delivery-status': { code: 550, message: '5.1.1 The email account does not exist' } } }),
    complaint: (email) => JSON.stringify({ 'event-data': { id: 'm2', event: 'complained', recipient: email, message: { headers: { 'message-id': messageId(email) } } } }),
  },
  sendgrid: {
    sign: (body) => {
      const timestamp = now();
      const signature = sign('sha256', Buffer.from(timestamp + body), sendgridKeys.privateKey).toString('base64');
      return { body, headers: { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp } };
    },
    bounce: (email) => JSON.stringify([{ email, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 No such user', sg_event_id: 's1', 'smtp-id': `<${messageId(email)}>` }]),
    complaint: (email) => JSON.stringify([{ email, event: 'spamreport', sg_event_id: 's2' }]),
  },
  postmark: {
    sign: (body) => ({ body, headers: { authorization: `Basic ${Buffer.from(POSTMARK).toString('base64')}` } }),
    bounce: (email) => JSON.stringify({ RecordType: 'Bounce', ID: 1, Type: 'HardBounce', Email: email, Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.' }),
    complaint: (email) => JSON.stringify({ RecordType: 'SpamComplaint', ID: 2, Type: 'SpamComplaint', Email: email }),
  },
  ses: {
    sign: (message) => {
      const m: Record<string, string> = { Type: 'Notification', MessageId: `sns-${message.length}-${message.slice(30, 60)}`, TopicArn: TOPIC, Message: message, Timestamp: new Date().toISOString(), SignatureVersion: '2', SigningCertURL: CERT_URL };
      const signed = ['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type'].map((f) => `${f}\n${m[f]}\n`).join('');
      m.Signature = createSign('RSA-SHA256').update(signed).sign(snsKey, 'base64');
      return { body: JSON.stringify(m), headers: {} };
    },
    bounce: (email) => JSON.stringify({ notificationType: 'Bounce', bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: email, status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }] }, mail: { commonHeaders: { messageId: `<${messageId(email)}>` } } }),
    complaint: (email) => JSON.stringify({ notificationType: 'Complaint', complaint: { complainedRecipients: [{ emailAddress: email }], complaintFeedbackType: 'abuse' }, mail: { commonHeaders: { messageId: `<${messageId(email)}>` } } }),
  },
};

describe.each(Object.keys(providers))('POST /webhooks/%s', (name) => {
  const p = providers[name]!;

  it('applies a signed bounce (suppressed) and a signed complaint (unsubscribed)', async () => {
    const bounce = p.sign(p.bounce('ada@example.com'));
    const r1 = await post(name, bounce.body, bounce.headers);
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ applied: 1, ignored: 0 });
    expect(status('ada@example.com')).toBe('suppressed');
    const complaint = p.sign(p.complaint('grace@example.com'));
    const r2 = await post(name, complaint.body, complaint.headers);
    expect(r2.status).toBe(200);
    expect(status('grace@example.com')).toBe('unsubscribed');
    // The same event delivered again (providers retry) applies once.
    const again = await post(name, bounce.body, bounce.headers);
    expect(await again.json()).toEqual({ applied: 0, ignored: 0 });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM delivery_events WHERE source = 'webhook'`).get()).toEqual({ n: 2 });
  });

  it('answers 401 to an unsigned or badly signed request and changes nothing', async () => {
    for (const [what, request] of Object.entries(forgeries(name))) {
      const response = await post(name, request.body, request.headers);
      expect(response.status, what).toBe(401);
    }
    expect(status('ada@example.com')).toBe('confirmed');
    expect(db.prepare(`SELECT COUNT(*) AS n FROM delivery_events WHERE source = 'webhook'`).get()).toEqual({ n: 0 });
  });
});

/** For each provider, requests that must be refused: unsigned, and signed for something else. */
function forgeries(name: string): Record<string, { body: string; headers: Record<string, string> }> {
  const p = providers[name]!;
  const bounce = p.bounce('ada@example.com');
  const signed = p.sign(bounce);
  const otherBody = p.sign(p.bounce('grace@example.com'));
  switch (name) {
    case 'generic':
    case 'sendgrid':
      return { unsigned: { body: bounce, headers: {} }, 'signature of another body': { body: signed.body, headers: otherBody.headers } };
    case 'postmark':
      return { 'no credentials': { body: bounce, headers: {} }, 'wrong password': { body: bounce, headers: { authorization: `Basic ${Buffer.from('briefing:guess').toString('base64')}` } } };
    case 'mailgun': {
      const parsed = JSON.parse(signed.body) as { signature: { signature: string } };
      const wrong = { ...parsed, signature: { ...parsed.signature, signature: 'f'.repeat(64) } };
      const { signature: _dropped, ...unsigned } = parsed;
      return { unsigned: { body: JSON.stringify(unsigned), headers: {} }, 'bad signature': { body: JSON.stringify(wrong), headers: {} } };
    }
    case 'ses': {
      const m = JSON.parse(signed.body) as Record<string, string>;
      const { Signature: _gone, ...unsigned } = m;
      return { unsigned: { body: JSON.stringify(unsigned), headers: {} }, 'message changed after signing': { body: JSON.stringify({ ...m, Message: p.bounce('grace@example.com') }), headers: {} } };
    }
  }
  throw new Error(name);
}

describe('Mailgun', () => {
  it('signs the timestamp and token, not the body: a token already used may not carry another event', async () => {
    const genuine = providers.mailgun!.sign(providers.mailgun!.complaint('grace@example.com'));
    expect((await post('mailgun', genuine.body)).status).toBe(200);
    const { signature } = JSON.parse(genuine.body) as { signature: object };
    const replayed = { ...(JSON.parse(providers.mailgun!.bounce('ada@example.com')) as object), signature };
    expect((await post('mailgun', JSON.stringify(replayed))).status).toBe(401);
    expect(status('ada@example.com')).toBe('confirmed');
    // The same request again (Mailgun retries) is accepted and applies nothing new.
    expect(await (await post('mailgun', genuine.body)).json()).toEqual({ applied: 0, ignored: 0 });
  });
});

describe('SES through SNS', () => {
  it('refuses a notification from another topic, or signed with a certificate not from sns.<region>.amazonaws.com', async () => {
    const message = providers.ses!.bounce('ada@example.com');
    const signed = JSON.parse(providers.ses!.sign(message).body) as Record<string, string>;
    expect((await post('ses', JSON.stringify({ ...signed, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else' }))).status).toBe(401);
    expect((await post('ses', JSON.stringify({ ...signed, SigningCertURL: 'https://evil.example.org/cert.pem' }))).status).toBe(401);
    expect(status('ada@example.com')).toBe('confirmed');
  });
});
