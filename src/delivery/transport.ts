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

/**
 * A message as slices that are not joined (see MessageTemplate.renderWire).
 * `smtpSafe`: CRLF line ends only, no line starting with '.', ends with CRLF,
 * so it can be written into SMTP DATA as it is, with no dot-stuffing pass.
 */
export interface WireMessage {
  readonly chunks: readonly Buffer[];
  readonly length: number;
  readonly smtpSafe: boolean;
}

export type RawMessage = Buffer | string | WireMessage;

export interface Transport {
  name: string;
  /**
   * `beforeData`, when given, is called right before the message itself is handed over (for SMTP: after
   * the server's 354, before the first byte of DATA; the envelope may already have gone out). If it
   * throws, none of the message is sent and the send fails as transient.
   */
  send(raw: RawMessage, envelope: Envelope, beforeData?: () => void): Promise<{ response: string }>;
  /** Optional: open connections now, so the first messages do not wait for them. */
  warm?(): void;
  close(): Promise<void>;
}

const isWire = (raw: RawMessage): raw is WireMessage => typeof raw === 'object' && !Buffer.isBuffer(raw);

/** The message as one Buffer (for DKIM, the outbox and the generic SMTP path). */
export function joinMessage(raw: RawMessage): Buffer {
  if (typeof raw === 'string') return Buffer.from(raw);
  if (Buffer.isBuffer(raw)) return raw;
  return raw.chunks.length === 1 ? raw.chunks[0]! : Buffer.concat(raw.chunks as Buffer[], raw.length);
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
  /** Messages after which it is replaced (maxMessages; less for the first connections, see open). */
  limit: number;
  broken: boolean;
  /** Set while a wire-ready message is being sent: its slices go straight to the socket. */
  wire?: DirectWrite | undefined;
  /** False when this nodemailer's internals are not the ones the direct write relies on. */
  direct: boolean;
}

interface DirectWrite {
  message: WireMessage;
  beforeData?: (() => void) | undefined;
  written: () => void;
}

interface Job {
  raw: Buffer | WireMessage;
  envelope: Envelope;
  beforeData?: (() => void) | undefined;
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
  let opened = 0;
  let replacing = false;
  let closed = false;
  let nextSlot = 0;
  let rateTimer: NodeJS.Timeout | undefined;

  const open = (): PooledConnection => {
    const smtp = new SMTPConnection(connectionOptions);
    // The first connections retire at 1/n, 2/n … of maxMessages, so later replacements come one at a
    // time instead of the whole pool reconnecting at once.
    const limit = opened < options.poolSize ? Math.max(1, Math.round((maxMessages * (opened + 1)) / options.poolSize)) : maxMessages;
    opened += 1;
    const conn: PooledConnection = { smtp, messages: 0, limit, broken: false, ready: Promise.resolve(), direct: false };
    conn.direct = writeWireDirectly(smtp, () => conn.wire);
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

  /**
   * Opens the successor of a connection nearing its limit while it still sends, so no message waits for a
   * new connection's greeting (smtp-server waits 100 ms, some servers seconds). One at a time: the pool
   * is at most one connection over pool_size, until the successor is ready and the old one retires.
   */
  const replace = (old: PooledConnection) => {
    replacing = true;
    const successor = open();
    successor.ready.then(
      () => {
        replacing = false;
        if (closed) {
          all.delete(successor);
          successor.smtp.quit();
          return;
        }
        if (successor.broken) return;
        const at = idle.indexOf(old);
        if (at >= 0) {
          idle.splice(at, 1);
          all.delete(old);
          old.smtp.quit();
        } else old.limit = Math.min(old.limit, old.messages + 1); // retires after the message it is sending
        idle.push(successor);
        pump();
      },
      () => {
        replacing = false;
        discard(successor);
      },
    );
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
    let message: Readable | Buffer;
    const raw = job.raw;
    if (isWire(raw) && raw.smtpSafe && conn.direct && raw.length > 0) {
      // Written after the server's 354, like a stream: `consumed` keeps the uncertain-after-DATA distinction.
      conn.wire = { message: raw, beforeData: job.beforeData, written: () => (consumed = true) };
      message = raw.chunks[0]!;
    } else {
      conn.wire = undefined;
      const bytes = joinMessage(raw);
      message = new Readable({
        read() {
          try {
            job.beforeData?.();
          } catch (error) {
            // Nothing of the message was written: the connection is dropped without ending DATA.
            this.destroy(error as Error);
            return;
          }
          this.push(bytes);
          this.push(null);
        },
      });
      message.on('end', () => (consumed = true));
    }
    conn.smtp.send(job.envelope, message, (err, info) => {
      conn.wire = undefined;
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
      if (conn.messages >= conn.limit || closed) {
        all.delete(conn);
        conn.smtp.quit();
      } else if (!conn.broken) {
        if (!replacing && conn.messages === conn.limit - Math.min(REPLACE_AHEAD, Math.floor(conn.limit / 2))) replace(conn);
        idle.push(conn);
      }
      job.resolve({ response: info?.response ?? '250 OK' });
      pump();
    });
  };

  return {
    name: `smtp://${connectionOptions.host}:${connectionOptions.port}`,
    async send(raw, envelope, beforeData) {
      if (closed) throw new TransportError('transient', 'transport closed', 'transport closed');
      const message: Buffer | WireMessage = options.dkim ? await signDkim(joinMessage(raw), options.dkim) : typeof raw === 'string' ? Buffer.from(raw) : raw;
      return new Promise((resolve, reject) => {
        queue.push({ raw: message, envelope, beforeData, resolve, reject });
        pump();
      });
    },
    warm() {
      while (!closed && all.size < options.poolSize) {
        const conn = open();
        conn.ready.then(
          () => {
            if (closed) {
              all.delete(conn);
              conn.smtp.quit();
            } else if (!conn.broken) {
              idle.push(conn);
              pump();
            }
          },
          () => {
            // A message waiting in the queue opens a connection of its own, and reports its failure.
            discard(conn);
            pump();
          },
        );
      }
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

/** The parts of nodemailer's SMTPConnection (10.x) that writeWireDirectly uses. */
interface ConnectionInternals {
  _socket: { cork(): void; uncork(): void; write(chunk: Buffer): boolean; destroy(error?: Error): void } | false;
  _responseActions: Array<(str: string) => void>;
  _createSendStream(callback: (err: Error | null, str?: string) => void): unknown;
  _actionSMTPStream(str: string, callback: (err: Error | null, str?: string) => void): void;
}

const END_OF_DATA = Buffer.from('.\r\n');
/**
 * Messages before a connection's limit at which its successor is opened: at full speed (~700 a second per
 * connection to a local server) a few hundred milliseconds, longer than most servers wait to greet.
 */
const REPLACE_AHEAD = 200;

/**
 * SMTPConnection pipes every message through a dot-stuffing Transform that
 * looks at each byte in JavaScript: about 0.5 ms of CPU for a 70 KB message,
 * which alone caps a sender near 2,000 messages/s (CPU profile of the send
 * benchmark: stream writes and DataStream._transform were ~40% of the time).
 * A wire-ready message needs no stuffing, so for it the data stream is
 * replaced by a few corked socket writes of its slices plus ".\r\n", after
 * the 354 exactly as before; the answer is handled by nodemailer's own
 * response action. Everything else (envelope with PIPELINING, STARTTLS, AUTH,
 * errors, timeouts) stays nodemailer's. When the internals are not as
 * expected (another nodemailer version), this returns false and every
 * message takes the ordinary stream path.
 */
function writeWireDirectly(smtp: SMTPConnection, current: () => DirectWrite | undefined): boolean {
  const internals = smtp as unknown as ConnectionInternals;
  if (typeof internals._createSendStream !== 'function' || typeof internals._actionSMTPStream !== 'function' || !Array.isArray(internals._responseActions)) return false;
  const original = internals._createSendStream;
  internals._createSendStream = function (this: ConnectionInternals, callback) {
    const wire = current();
    const socket = this._socket;
    if (!wire || !socket) return original.call(this, callback);
    this._responseActions.push((str) => this._actionSMTPStream(str, callback));
    let refused = false;
    return {
      outByteCount: wire.message.length + END_OF_DATA.length,
      write() {
        try {
          wire.beforeData?.();
        } catch (error) {
          // Nothing of the message was written: the connection is dropped without ending DATA.
          refused = true;
          socket.destroy(error as Error);
          return;
        }
        socket.cork();
        for (const chunk of wire.message.chunks) socket.write(chunk);
      },
      end() {
        if (refused) return;
        socket.write(END_OF_DATA);
        socket.uncork();
        wire.written();
      },
    };
  };
  return true;
}

/** Whether this nodemailer still has the internals the direct write uses (else every message is streamed, slower but correct). */
export function directWriteAvailable(): boolean {
  return writeWireDirectly(new SMTPConnection({ host: '127.0.0.1', port: 25 }), () => undefined);
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
    async send(raw, envelope, beforeData) {
      mkdirSync(dir, { recursive: true });
      beforeData?.();
      let bytes = joinMessage(raw);
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
