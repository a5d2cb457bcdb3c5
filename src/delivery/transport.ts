/**
 * Where messages go. The contract is tiny (`{ name, send(raw, envelope), close }`)
 * so SMTP, the .eml outbox and anything a test needs can all meet it.
 *
 * `send` rejects with a TransportError that says what the failure means for
 * the message: transient (retry later), permanent (5xx: bounced) or
 * uncertain (the connection died after the whole message went out: it may
 * have been delivered, so it is not retried automatically).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import DKIM from 'nodemailer/lib/dkim';
import type { Config } from '../config/schema.js';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';

const log = debug('transport');

export interface Envelope {
  from: string;
  to: string[];
}

export interface Transport {
  name: string;
  send(raw: Buffer | string, envelope: Envelope): Promise<{ response: string }>;
  close(): Promise<void>;
}

export type FailureKind = 'transient' | 'permanent' | 'uncertain';

export class TransportError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly response: string,
    readonly responseCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** Headers the DKIM signature covers: the usual set plus both List-Unsubscribe headers (RFC 8058 asks for it). */
export const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

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

async function signDkim(raw: Buffer, dkim: DkimSettings): Promise<Buffer> {
  const signer = new DKIM({ ...dkim, headerFieldNames: DKIM_HEADERS });
  const chunks: Buffer[] = [];
  for await (const chunk of signer.sign(raw)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface SmtpOptions {
  poolSize: number;
  /** Messages per second across the pool; 0 = unlimited. */
  ratePerSecond: number;
  dkim?: DkimSettings | undefined;
  /** Messages per connection before it is replaced. */
  maxMessages?: number;
  /** Milliseconds; defaults 30 s to connect and to be greeted, 60 s of socket silence. */
  timeouts?: { connection?: number; greeting?: number; socket?: number };
}

interface PooledConnection {
  smtp: SMTPConnection;
  ready: Promise<void>;
  messages: number;
  broken: boolean;
}

interface Job {
  raw: Buffer;
  envelope: Envelope;
  resolve: (result: { response: string }) => void;
  reject: (error: TransportError) => void;
}

/**
 * A small pool of nodemailer SMTPConnections. Why not nodemailer's own pool:
 * it reads the whole message before the envelope is sent, so it cannot tell a
 * connection lost before DATA (safe to retry) from one lost after the message
 * went out (maybe delivered), and it re-queues messages on its own. Here each
 * message stream is read only after the server's 354, and only the delivery
 * log decides what is sent again.
 */
export function createSmtpTransport(url: string, options: SmtpOptions): Transport {
  const connectionOptions = smtpOptionsFromUrl(url, options.timeouts);
  const maxMessages = options.maxMessages ?? 1000;
  const queue: Job[] = [];
  const idle: PooledConnection[] = [];
  const all = new Set<PooledConnection>();
  let closed = false;
  let nextSlot = 0;
  let rateTimer: NodeJS.Timeout | undefined;

  const open = (): PooledConnection => {
    const smtp = new SMTPConnection(connectionOptions);
    const conn: PooledConnection = { smtp, messages: 0, broken: false, ready: Promise.resolve() };
    const drop = () => {
      conn.broken = true;
      all.delete(conn);
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
    };
    // Settles once: a connection can fail by callback, by 'error' (e.g. no greeting) or by just ending.
    let settle: (err?: Error) => void = () => {};
    conn.ready = new Promise<void>((resolve, reject) => {
      let settled = false;
      settle = (err) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
    });
    smtp.on('error', (err: Error) => {
      log('connection error: %s', err.message);
      drop();
      settle(err);
    });
    smtp.on('end', () => {
      drop();
      settle(new Error('connection closed before the greeting'));
    });
    smtp.connect((err) => {
      if (err) return settle(err);
      if (!connectionOptions.auth) return settle();
      smtp.login(connectionOptions.auth, (loginErr) => settle(loginErr ?? undefined));
    });
    all.add(conn);
    return conn;
  };

  const discard = (conn: PooledConnection) => {
    conn.broken = true;
    all.delete(conn);
    try {
      conn.smtp.close();
    } catch {
      // already closed
    }
  };

  const pump = () => {
    while (!closed && queue.length > 0 && (idle.length > 0 || all.size < options.poolSize)) {
      if (options.ratePerSecond > 0) {
        const now = Date.now();
        if (now < nextSlot) {
          rateTimer ??= setTimeout(() => {
            rateTimer = undefined;
            pump();
          }, nextSlot - now);
          return;
        }
        nextSlot = Math.max(now, nextSlot) + 1000 / options.ratePerSecond;
      }
      const job = queue.shift()!;
      const conn = idle.pop() ?? open();
      void run(conn, job);
    }
  };

  const run = async (conn: PooledConnection, job: Job) => {
    try {
      await conn.ready;
    } catch (error) {
      discard(conn);
      job.reject(classify(error, false));
      pump();
      return;
    }
    let consumed = false;
    const bytes = job.raw;
    const stream = new Readable({
      read() {
        this.push(bytes);
        this.push(null);
      },
    });
    stream.on('end', () => (consumed = true));
    conn.smtp.send(job.envelope, stream, (err, info) => {
      if (err) {
        const failure = classify(err, consumed);
        const code = (err as { code?: string }).code;
        if (!conn.broken && (code === 'EENVELOPE' || code === 'EMESSAGE') && failure.responseCode !== 421) {
          // The server refused this message; the session is fine after RSET.
          conn.smtp.reset((resetErr) => {
            if (resetErr) discard(conn);
            else if (!closed) idle.push(conn);
            pump();
          });
        } else {
          discard(conn);
          pump();
        }
        job.reject(failure);
        return;
      }
      conn.messages += 1;
      if (conn.messages >= maxMessages || closed) {
        all.delete(conn);
        conn.smtp.quit();
      } else if (!conn.broken) idle.push(conn);
      job.resolve({ response: info?.response ?? '250 OK' });
      pump();
    });
  };

  return {
    name: `smtp://${connectionOptions.host}:${connectionOptions.port}`,
    async send(raw, envelope) {
      if (closed) throw new TransportError('transient', 'transport closed', 'transport closed');
      let bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
      if (options.dkim) bytes = await signDkim(bytes, options.dkim);
      return new Promise((resolve, reject) => {
        queue.push({ raw: bytes, envelope, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      if (rateTimer) clearTimeout(rateTimer);
      for (const job of queue.splice(0)) job.reject(new TransportError('transient', 'transport closed', 'transport closed'));
      for (const conn of idle.splice(0)) {
        all.delete(conn);
        conn.smtp.quit();
      }
    },
  };
}

function smtpOptionsFromUrl(url: string, timeouts: SmtpOptions['timeouts'] = {}): SMTPConnectionOptions & { host: string; port: number; auth?: { user: string; pass: string } } {
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

function classify(error: unknown, consumed: boolean): TransportError {
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
 * Writes each message as an .eml file: what a new user gets without a mail
 * server. `unique` names files by time (confirmation mails); otherwise by
 * recipient, so a retry replaces the file instead of adding one.
 */
export function createOutboxTransport(dir: string, options: { unique?: boolean; dkim?: DkimSettings | undefined } = {}): Transport {
  return {
    name: `outbox ${dir}`,
    async send(raw, envelope) {
      mkdirSync(dir, { recursive: true });
      let bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
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

/** SMTP when SMTP_URL is set, else the outbox folder `outboxDir`. */
export function createTransport(config: Config, outboxDir: string, options: { unique?: boolean } = {}): Transport {
  const dkim = dkimSettings(config);
  if (config.secrets.smtpUrl) {
    return createSmtpTransport(config.secrets.smtpUrl, { poolSize: config.delivery.pool_size, ratePerSecond: config.delivery.rate_per_second, dkim });
  }
  return createOutboxTransport(outboxDir, { ...options, dkim });
}
