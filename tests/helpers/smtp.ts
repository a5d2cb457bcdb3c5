/**
 * A real SMTP server for tests (smtp-server on 127.0.0.1, port 0) that
 * records what it accepts and can be scripted to answer like a real one:
 * 421/451/550 at RCPT TO or after DATA, a dropped connection before DATA, or
 * one dropped after the message was received (the "uncertain" case).
 */
import type { Socket } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type Answer =
  | 'accept'
  /** An SMTP error reply, e.g. { code: 550, message: 'No such user' }. */
  | { code: number; message?: string }
  /** Close the connection instead of answering. */
  | 'drop';

export type Stage = 'rcpt' | 'data';

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
  /** The SMTP session (connection) it came over. */
  session: string;
}

export interface ScriptContext {
  stage: Stage;
  to: string;
  /** 1 for the first time this recipient reaches this stage, 2 the second… */
  attempt: number;
}

export interface SmtpSink {
  url: string;
  port: number;
  /** Messages the server accepted (answered 250 after DATA). */
  messages: Received[];
  /** Messages received in full but answered by a dropped connection. */
  droppedAfterData: Received[];
  /** Connections: opened in all, open now, and the most open at once. */
  connections: { opened: number; open: number; mostOpen: number };
  /** Decides each answer; default accepts everything. */
  script(fn: (ctx: ScriptContext) => Answer): void;
  /** Waits this long before answering each message (to catch a sender mid-way). */
  delayMs: number;
  /** Accepted messages per recipient. */
  countsByRecipient(): Map<string, number>;
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let script: (ctx: ScriptContext) => Answer = () => 'accept';
  const attempts = new Map<string, number>();
  const sockets = new Map<number, Socket>();
  const messages: Received[] = [];
  const droppedAfterData: Received[] = [];
  const waiters: (() => void)[] = [];

  const decide = (stage: Stage, to: string): Answer => {
    const key = `${stage}:${to.toLowerCase()}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    return script({ stage, to, attempt });
  };
  const smtpError = (answer: { code: number; message?: string }) =>
    Object.assign(new Error(answer.message ?? (answer.code >= 500 ? 'Rejected' : 'Try again later')), { responseCode: answer.code });
  const drop = (remotePort: number) => sockets.get(remotePort)?.destroy();

  const connections = { opened: 0, open: 0, mostOpen: 0 };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      connections.opened += 1;
      connections.open += 1;
      connections.mostOpen = Math.max(connections.mostOpen, connections.open);
      callback();
    },
    onClose() {
      connections.open -= 1;
    },
    onRcptTo(address, session, callback) {
      const answer = decide('rcpt', address.address);
      if (answer === 'accept') return callback();
      if (answer === 'drop') return drop(session.remotePort);
      return callback(smtpError(answer));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const message: Received = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
          session: session.id,
        };
        const answer = decide('data', message.to[0] ?? '');
        const respond = () => {
          if (answer === 'accept') {
            messages.push(message);
            waiters.splice(0).forEach((w) => w());
            return callback(null, 'Queued');
          }
          if (answer === 'drop') {
            droppedAfterData.push(message);
            return drop(session.remotePort);
          }
          return callback(smtpError(answer));
        };
        if (sink.delayMs > 0) setTimeout(respond, sink.delayMs);
        else respond();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort!;
    sockets.set(port, socket);
    socket.on('close', () => sockets.delete(port));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.on('error', () => {}); // dropped sockets report errors; they are the point of the script
  const port = (server.server.address() as { port: number }).port;

  const sink: SmtpSink = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    droppedAfterData,
    connections,
    delayMs: 0,
    script(fn) {
      script = fn;
    },
    countsByRecipient() {
      const counts = new Map<string, number>();
      for (const m of messages) for (const to of m.to) counts.set(to, (counts.get(to) ?? 0) + 1);
      return counts;
    },
    async waitForMessages(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`SMTP sink: waited for ${count} messages, got ${messages.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets.values()) s.destroy();
        server.close(() => resolve());
      }),
  };
  return sink;
}

export const parseMail = (raw: Buffer): Promise<ParsedMail> => simpleParser(raw);

/** A header's raw value, unfolded (mailparser turns List-* headers into an object). */
export function headerLine(mail: ParsedMail, name: string): string {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line ?? '';
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}
