/**
 * SMTP_URL → nodemailer connection options, and nodemailer's errors → what a
 * failure means for the message (TransportError's kind).
 */
import type { SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';
import { TransportError } from './transport.js';

const log = debug('transport');

export interface SmtpTimeouts {
  connection?: number;
  greeting?: number;
  socket?: number;
}

export type ConnectionOptions = SMTPConnectionOptions & { host: string; port: number; auth?: { user: string; pass: string } };

export function smtpOptionsFromUrl(url: string, timeouts: SmtpTimeouts = {}): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new BriefingError('CONFIG_INVALID', 'SMTP_URL is not a URL (expected smtp://user:pass@host:port or smtps://…)', { cause });
  }
  if (!['smtp:', 'smtps:'].includes(parsed.protocol)) throw new BriefingError('CONFIG_INVALID', `SMTP_URL must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  const secure = parsed.protocol === 'smtps:';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const port = parsed.port ? Number(parsed.port) : secure ? 465 : 587;
  const user = decodeURIComponent(parsed.username);
  return {
    host,
    port,
    secure,
    // Loopback servers (a local relay, the test sink) are allowed; nodemailer refuses internal addresses otherwise.
    allowInternalNetworkInterfaces: true,
    requireTLS: parsed.searchParams.get('requireTLS') === 'true',
    connectionTimeout: timeouts.connection ?? 30_000,
    greetingTimeout: timeouts.greeting ?? 30_000,
    socketTimeout: timeouts.socket ?? 60_000,
    logger: false,
    ...(user ? { auth: { user, pass: decodeURIComponent(parsed.password) } } : {}),
  };
}

/** `consumed`: the whole message was handed to the socket before the failure. */
export function classify(error: unknown, consumed: boolean): TransportError {
  const e = error as { message?: string; response?: string; responseCode?: number; command?: string; code?: string };
  const response = (e.response ?? e.message ?? String(error)).slice(0, 500);
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  log('send failed: code=%s command=%s responseCode=%s consumed=%s %s', e.code, e.command, code, consumed, response);
  if (code !== undefined && code >= 500 && e.command !== 'MAIL FROM' && e.command !== 'AUTH' && e.command !== 'CONN') {
    return new TransportError('permanent', response, response, code, { cause: error });
  }
  if (code !== undefined) return new TransportError('transient', response, response, code, { cause: error });
  // No reply at all: the connection broke. After the whole message was handed over, the server may have taken it.
  return new TransportError(consumed ? 'uncertain' : 'transient', response, response, undefined, { cause: error });
}

/**
 * A failure to reach or log in to the relay, said plainly: what went wrong
 * (refused, DNS, timeout, TLS, authentication) and where to look.
 */
export function describeConnectionFailure(error: unknown, where: { host: string; port: number }): string {
  const e = error as { message?: string; code?: string; response?: string };
  const message = e.message ?? String(error);
  const at = `${where.host}:${where.port}`;
  if (e.code === 'EAUTH') return `the SMTP server at ${at} refused the login (${e.response ?? message}); check the user name and password in SMTP_URL`;
  if (e.code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(message)) return `cannot find the SMTP server ${where.host} (DNS: ${message}); check the host name in SMTP_URL`;
  if (/ECONNREFUSED/.test(message)) return `nothing accepts connections at ${at} (connection refused); is the relay running, and is SMTP_URL's port right?`;
  if (/certificate|self[- ]signed|\bSSL\b|\bTLS\b|altnames|wrong version number/i.test(message)) {
    return `TLS with the SMTP server at ${at} failed: ${message}. smtps:// speaks TLS from the start (port 465); smtp:// upgrades with STARTTLS (587); the server's certificate must be valid for ${where.host}`;
  }
  if (e.code === 'ETIMEDOUT' || /timeout|timed out/i.test(message)) return `no answer from the SMTP server at ${at} in time (${message}); is a firewall in the way?`;
  return `cannot use the SMTP server at ${at}: ${message}`;
}
