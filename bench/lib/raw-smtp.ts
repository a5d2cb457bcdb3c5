/**
 * A minimal SMTP client for the sink's capacity: no composing, no parsing
 * beyond reply codes. Each connection sends MAIL, RCPT and DATA in one
 * write (PIPELINING), then the prebuilt, already dot-stuffed message. This
 * is the floor any real sender pays for the protocol and the bytes.
 */
import net from 'node:net';

class Connection {
  private buffer = '';
  private waiting: Array<{ resolve: (code: number) => void; reject: (e: Error) => void }> = [];
  private pending: number[] = [];
  private lines: string[] = [];

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('connection closed')));
  }

  private onData(text: string) {
    this.buffer += text;
    let i;
    while ((i = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      this.lines.push(line);
      // A reply ends with "NNN " (space), continuation lines have "NNN-".
      if (line.length < 4 || line[3] !== '-') {
        const code = Number(line.slice(0, 3));
        this.lines = [];
        const w = this.waiting.shift();
        if (w) w.resolve(code);
        else this.pending.push(code);
      }
    }
  }

  private fail(e: Error) {
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  reply(): Promise<number> {
    const code = this.pending.shift();
    if (code !== undefined) return Promise.resolve(code);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async expect(ok: (code: number) => boolean, what: string) {
    const code = await this.reply();
    if (!ok(code)) throw new Error(`${what}: unexpected reply ${code}`);
  }
}

async function connect(port: number): Promise<Connection> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const c = new Connection(socket);
  await c.expect((x) => x === 220, 'greeting');
  socket.write('EHLO bench.local\r\n');
  await c.expect((x) => x === 250, 'EHLO');
  return c;
}

/** Dot-stuffs a message and adds the end-of-data marker, once. */
export function dataBlock(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return Buffer.from(text.endsWith('\r\n') ? `${text}.\r\n` : `${text}\r\n.\r\n`, 'latin1');
}

/** Sends `count` prebuilt messages (`data(i)`, dot-stuffed) to distinct recipients over `connections` open connections. */
export async function blast(options: { port: number; connections: number; count: number; from: string; data: (i: number) => Buffer }): Promise<void> {
  let next = 0;
  const worker = async () => {
    const c = await connect(options.port);
    while (next < options.count) {
      const i = next++;
      c.socket.write(`MAIL FROM:<${options.from}>\r\nRCPT TO:<r${i}@bench.test>\r\nDATA\r\n`);
      await c.expect((x) => x === 250, 'MAIL');
      await c.expect((x) => x === 250, 'RCPT');
      await c.expect((x) => x === 354, 'DATA');
      c.socket.write(options.data(i));
      await c.expect((x) => x === 250, 'end of data');
    }
    c.socket.end('QUIT\r\n');
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
}
