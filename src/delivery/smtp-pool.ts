/**
 * A small pool of nodemailer SMTPConnections. Why not nodemailer's own pool:
 * it reads the whole message before the envelope is sent, so it cannot tell a
 * connection lost before DATA (safe to retry) from one lost after the message
 * went out (maybe delivered), and it re-queues messages on its own. Here each
 * message is read only after the server's 354, and only the delivery log
 * decides what is sent again.
 */
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';
import { signDkim, type DkimSettings } from './dkim.js';
import { missingInternals, nodemailerVersion, writeWireDirectly, type DirectWrite } from './smtp-direct-write.js';
import { classify, describeConnectionFailure, smtpOptionsFromUrl, type ConnectionOptions, type SmtpTimeouts } from './smtp-options.js';
import { isWire, joinMessage, TransportError, type Envelope, type RawMessage, type Transport, type WireMessage } from './transport.js';

const log = debug('transport');

export interface SmtpOptions {
  poolSize: number;
  /** Messages per second across the pool; 0 = unlimited. */
  ratePerSecond: number;
  dkim?: DkimSettings | undefined;
  /** Messages per connection before it is replaced. */
  maxMessages?: number;
  /** Milliseconds; defaults 30 s to connect and to be greeted, 60 s of socket silence. */
  timeouts?: SmtpTimeouts;
}

/**
 * Messages before a connection's limit at which its successor is opened: at full speed (~700 a second per
 * connection to a local server) a few hundred milliseconds, longer than most servers wait to greet.
 */
const REPLACE_AHEAD = 200;
/** verify: each step of its connection (connect, greeting, each answer), and the whole. */
const VERIFY_STEP_MS = 10_000;
const VERIFY_MS = 25_000;

interface PooledConnection {
  smtp: SMTPConnection;
  /** Settles once the connection is greeted (and logged in), or failed. */
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

interface Job {
  raw: Buffer | WireMessage;
  envelope: Envelope;
  beforeData?: (() => void) | undefined;
  resolve: (result: { response: string }) => void;
  reject: (error: TransportError) => void;
}

let warnedSlowPath = false;

export function createSmtpTransport(url: string, options: SmtpOptions): Transport {
  return new SmtpPool(smtpOptionsFromUrl(url, options.timeouts), options);
}

class SmtpPool implements Transport {
  readonly name: string;
  private readonly maxMessages: number;
  private readonly queue: Job[] = [];
  private readonly idle: PooledConnection[] = [];
  private readonly all = new Set<PooledConnection>();
  private opened = 0;
  private replacing = false;
  private closed = false;
  private nextSlot = 0;
  private rateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: ConnectionOptions,
    private readonly options: SmtpOptions,
  ) {
    this.name = `smtp://${connection.host}:${connection.port}`;
    this.maxMessages = options.maxMessages ?? 1000;
  }

  async send(raw: RawMessage, envelope: Envelope, beforeData?: () => void): Promise<{ response: string }> {
    if (this.closed) throw new TransportError('transient', 'transport closed', 'transport closed');
    const message: Buffer | WireMessage = this.options.dkim ? await signDkim(joinMessage(raw), this.options.dkim) : typeof raw === 'string' ? Buffer.from(raw) : raw;
    return new Promise((resolve, reject) => {
      this.queue.push({ raw: message, envelope, beforeData, resolve, reject });
      this.pump();
    });
  }

  verify(): Promise<void> {
    // 10 s for each step (connect, greeting, each answer), 25 s in all: a plain answer within 30 s.
    const smtp = new SMTPConnection({ ...this.connection, connectionTimeout: VERIFY_STEP_MS, greetingTimeout: VERIFY_STEP_MS, socketTimeout: VERIFY_STEP_MS });
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => settle(new Error(`connection timed out: no greeting and login within ${VERIFY_MS / 1000} s`)), VERIFY_MS);
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) {
          smtp.quit();
          resolve();
          return;
        }
        smtp.close();
        reject(new BriefingError('SMTP_UNREACHABLE', describeConnectionFailure(error, this.connection), { cause: error }));
      };
      smtp.on('error', settle);
      smtp.on('end', () => settle(new Error('the server closed the connection before greeting')));
      connectAndLogin(smtp, this.connection, settle);
    });
  }

  warm(): void {
    while (!this.closed && this.all.size < this.options.poolSize) {
      const conn = this.open();
      conn.ready.then(
        () => {
          if (this.closed) this.retire(conn);
          else if (!conn.broken) {
            this.idle.push(conn);
            this.pump();
          }
        },
        () => {
          // A message waiting in the queue opens a connection of its own, and reports its failure.
          this.discard(conn);
          this.pump();
        },
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rateTimer) clearTimeout(this.rateTimer);
    for (const job of this.queue.splice(0)) job.reject(new TransportError('transient', 'transport closed', 'transport closed'));
    for (const conn of this.idle.splice(0)) this.retire(conn);
  }

  private open(): PooledConnection {
    const smtp = new SMTPConnection(this.connection);
    const { poolSize } = this.options;
    // The first connections retire at 1/n, 2/n … of maxMessages, so later replacements come one at a
    // time instead of the whole pool reconnecting at once.
    const limit = this.opened < poolSize ? Math.max(1, Math.round((this.maxMessages * (this.opened + 1)) / poolSize)) : this.maxMessages;
    this.opened += 1;
    const conn: PooledConnection = { smtp, messages: 0, limit, broken: false, ready: Promise.resolve(), direct: false };
    conn.direct = writeWireDirectly(smtp, () => conn.wire);
    if (!conn.direct && !warnedSlowPath) {
      warnedSlowPath = true;
      process.emitWarning(`nodemailer ${nodemailerVersion()} lacks ${missingInternals(smtp).join(', ')}: every message is streamed through its dot-stuffing (correct, but slower)`);
    }
    conn.ready = new Promise<void>((resolve, reject) => {
      // Settles once: a connection can fail by callback, by 'error' (e.g. no greeting) or by just ending.
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      const drop = (err: Error) => {
        conn.broken = true;
        this.all.delete(conn);
        const at = this.idle.indexOf(conn);
        if (at >= 0) this.idle.splice(at, 1);
        settle(err);
      };
      smtp.on('error', (err: Error) => {
        log('connection error: %s', err.message);
        drop(err);
      });
      smtp.on('end', () => drop(new Error('connection closed before the greeting')));
      connectAndLogin(smtp, this.connection, settle);
    });
    this.all.add(conn);
    return conn;
  }

  /** Quits a connection that has done its work. */
  private retire(conn: PooledConnection): void {
    this.all.delete(conn);
    conn.smtp.quit();
  }

  private discard(conn: PooledConnection): void {
    conn.broken = true;
    this.all.delete(conn);
    try {
      conn.smtp.close();
    } catch {
      // already closed
    }
  }

  /**
   * Opens the successor of a connection nearing its limit while it still sends, so no message waits for a
   * new connection's greeting (smtp-server waits 100 ms, some servers seconds). One at a time: the pool
   * is at most one connection over pool_size, until the successor is ready and the old one retires.
   */
  private replace(old: PooledConnection): void {
    this.replacing = true;
    const successor = this.open();
    successor.ready.then(
      () => {
        this.replacing = false;
        if (this.closed) return this.retire(successor);
        if (successor.broken) return;
        const at = this.idle.indexOf(old);
        if (at >= 0) {
          this.idle.splice(at, 1);
          this.retire(old);
        } else old.limit = Math.min(old.limit, old.messages + 1); // retires after the message it is sending
        this.idle.push(successor);
        this.pump();
      },
      () => {
        this.replacing = false;
        this.discard(successor);
      },
    );
  }

  /** Starts queued jobs on idle (or new) connections, within the pool size and the rate limit. */
  private pump(): void {
    while (!this.closed && this.queue.length > 0 && (this.idle.length > 0 || this.all.size < this.options.poolSize)) {
      if (this.options.ratePerSecond > 0) {
        const now = Date.now();
        if (now < this.nextSlot) {
          this.rateTimer ??= setTimeout(() => {
            this.rateTimer = undefined;
            this.pump();
          }, this.nextSlot - now);
          return;
        }
        this.nextSlot = Math.max(now, this.nextSlot) + 1000 / this.options.ratePerSecond;
      }
      const job = this.queue.shift()!;
      void this.run(this.idle.pop() ?? this.open(), job);
    }
  }

  private async run(conn: PooledConnection, job: Job): Promise<void> {
    try {
      await conn.ready;
    } catch (error) {
      this.discard(conn);
      job.reject(classify(error, false));
      this.pump();
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
      message = streamAfterData(joinMessage(raw), job.beforeData);
      message.on('end', () => (consumed = true));
    }
    conn.smtp.send(job.envelope, message, (err, info) => {
      conn.wire = undefined;
      if (err) this.failed(conn, job, err, consumed);
      else this.sent(conn, job, info?.response ?? '250 OK');
    });
  }

  private sent(conn: PooledConnection, job: Job, response: string): void {
    conn.messages += 1;
    if (conn.messages >= conn.limit || this.closed) this.retire(conn);
    else if (!conn.broken) {
      if (!this.replacing && conn.messages === conn.limit - Math.min(REPLACE_AHEAD, Math.floor(conn.limit / 2))) this.replace(conn);
      this.idle.push(conn);
    }
    job.resolve({ response });
    this.pump();
  }

  private failed(conn: PooledConnection, job: Job, err: Error, consumed: boolean): void {
    const failure = classify(err, consumed);
    const code = (err as { code?: string }).code;
    if (!conn.broken && (code === 'EENVELOPE' || code === 'EMESSAGE') && failure.responseCode !== 421) {
      // The server refused this message; the session is fine after RSET.
      conn.smtp.reset((resetErr) => {
        if (resetErr) this.discard(conn);
        // Closed while the RSET was in flight: close() did not see this connection, so it quits here.
        else if (this.closed) this.retire(conn);
        else this.idle.push(conn);
        this.pump();
      });
    } else {
      this.discard(conn);
      this.pump();
    }
    job.reject(failure);
  }
}

/** Greeting, then the login when SMTP_URL has credentials; `done` gets the first error, or nothing. */
function connectAndLogin(smtp: SMTPConnection, connection: ConnectionOptions, done: (error?: Error) => void): void {
  smtp.connect((err) => {
    if (err) return done(err);
    if (!connection.auth) return done();
    smtp.login(connection.auth, (loginErr) => done(loginErr ?? undefined));
  });
}

/** The message as a stream that calls `beforeData` when nodemailer first reads it (after the 354). */
function streamAfterData(bytes: Buffer, beforeData: (() => void) | undefined): Readable {
  return new Readable({
    read() {
      try {
        beforeData?.();
      } catch (error) {
        // Nothing of the message was written: the connection is dropped without ending DATA.
        this.destroy(error as Error);
        return;
      }
      this.push(bytes);
      this.push(null);
    },
  });
}

/** Whether this nodemailer still has the internals the direct write uses, and if not, what it lacks. */
export function directWriteSupport(): { version: string; missing: string[] } {
  return { version: nodemailerVersion(), missing: missingInternals(new SMTPConnection({ host: '127.0.0.1', port: 25 })) };
}
