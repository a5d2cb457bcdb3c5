import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpTransport, directWriteSupport } from '../../src/delivery/smtp-pool.js';
import { TransportError, type Transport, type WireMessage } from '../../src/delivery/transport.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const raw = (to: string) => Buffer.from(`From: <a@briefing.test>\r\nTo: <${to}>\r\nSubject: hi\r\nMessage-ID: <x.${to}>\r\n\r\nHello\r\n`);
const env = (to: string) => ({ from: 'a@briefing.test', to: [to] });

async function failure(p: Promise<unknown>): Promise<TransportError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(TransportError);
    return e as TransportError;
  }
  throw new Error('expected the send to fail');
}

let sink: SmtpSink;
let transport: Transport;

/** A real sink on 127.0.0.1 and a pooled transport to it, fresh for each test of the block. */
function withSinkAndTransport(): void {
  beforeEach(async () => {
    sink = await startSmtpSink();
    transport = createSmtpTransport(sink.url, { poolSize: 2, ratePerSecond: 0 });
  });
  afterEach(async () => {
    await transport.close();
    await sink.close();
  });
}

describe('SMTP transport', () => {
  withSinkAndTransport();

  it('delivers a raw message to one recipient', async () => {
    const result = await transport.send(raw('one@example.com'), env('one@example.com'));
    expect(result.response).toMatch(/^250/);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.to).toEqual(['one@example.com']);
    expect(sink.messages[0]!.raw.toString()).toContain('Hello');
  });

  it('classifies 421 and 451 as transient, 550 as permanent', async () => {
    sink.script(({ stage, to }) => {
      if (stage === 'rcpt' && to.startsWith('t421')) return { code: 421, message: 'Busy' };
      if (stage === 'data' && to.startsWith('t451')) return { code: 451, message: 'Later' };
      if (stage === 'rcpt' && to.startsWith('p550')) return { code: 550, message: 'No such user' };
      return 'accept';
    });
    const a = await failure(transport.send(raw('t421@example.com'), env('t421@example.com')));
    expect([a.kind, a.responseCode]).toEqual(['transient', 421]);
    const b = await failure(transport.send(raw('t451@example.com'), env('t451@example.com')));
    expect([b.kind, b.responseCode]).toEqual(['transient', 451]);
    const c = await failure(transport.send(raw('p550@example.com'), env('p550@example.com')));
    expect([c.kind, c.responseCode]).toEqual(['permanent', 550]);
    // The pool still works afterwards.
    await transport.send(raw('ok@example.com'), env('ok@example.com'));
    expect(sink.messages.map((m) => m.to[0])).toEqual(['ok@example.com']);
  });

  it('a connection dropped before DATA is transient; one dropped after the message is uncertain', async () => {
    sink.script(({ stage, to }) => {
      if (stage === 'rcpt' && to.startsWith('before')) return 'drop';
      if (stage === 'data' && to.startsWith('after')) return 'drop';
      return 'accept';
    });
    const before = await failure(transport.send(raw('before@example.com'), env('before@example.com')));
    expect(before.kind).toBe('transient');
    const after = await failure(transport.send(raw('after@example.com'), env('after@example.com')));
    expect(after.kind).toBe('uncertain');
    expect(sink.droppedAfterData).toHaveLength(1);
    await transport.send(raw('ok@example.com'), env('ok@example.com'));
    expect(sink.messages).toHaveLength(1);
  });
});

describe('SMTP transport with wire messages (slices written straight to the socket)', () => {
  withSinkAndTransport();
  const slices = (text: string, smtpSafe: boolean): WireMessage => {
    const whole = Buffer.from(text, 'latin1');
    const chunks = [whole.subarray(0, 7), whole.subarray(7, 40), whole.subarray(40)];
    return { chunks, length: whole.length, smtpSafe };
  };

  it('the installed nodemailer has the internals the direct write needs', () => {
    const { version, missing } = directWriteSupport();
    // Fails the suite when an upgrade changes them: sending would still work, streamed, at a fraction of the speed.
    expect(missing, `nodemailer ${version} no longer has ${missing.join(', ')}: the direct write in src/delivery/smtp-direct-write.ts needs updating for this version`).toEqual([]);
  });

  it('wire messages really take the direct write: an SMTP-safe message goes out unstuffed, as it is', async () => {
    // Deliberately mislabelled: a line starting with ".." marked SMTP-safe. Streamed, it would be stuffed to
    // "...x" and arrive as "..x"; written as it is, the server reads "..x" as a stuffed ".x".
    const text = 'From: <a@briefing.test>\r\nTo: <s@example.com>\r\nSubject: direct\r\n\r\nfirst\r\n..x\r\nlast\r\n';
    await transport.send(slices(text, true), env('s@example.com'));
    expect(sink.messages[0]!.raw.toString('latin1'), 'the message was streamed: the direct write is not in use').toBe(text.replace('\r\n..x', '\r\n.x'));
  });

  it('an SMTP-safe message arrives byte for byte, several in a row on one connection', async () => {
    const body = (to: string) => `From: <a@briefing.test>\r\nTo: <${to}>\r\nSubject: wire\r\n\r\n${'line of text\r\n'.repeat(2000)}=2Edone\r\n`;
    for (const to of ['w1@example.com', 'w2@example.com', 'w3@example.com']) {
      const result = await transport.send(slices(body(to), true), env(to));
      expect(result.response).toMatch(/^250/);
    }
    expect(sink.messages.map((m) => m.to[0])).toEqual(['w1@example.com', 'w2@example.com', 'w3@example.com']);
    for (const m of sink.messages) expect(m.raw.toString('latin1')).toBe(body(m.to[0]!));
  });

  it('a message not marked SMTP-safe is dot-stuffed and its bare line ends fixed (a dot line does not end DATA)', async () => {
    const text = 'From: <a@briefing.test>\r\nTo: <d@example.com>\r\nSubject: dots\r\n\r\nfirst\r\n.\r\n..two\nbare LF\r\nlast\r\n';
    await transport.send(slices(text, false), env('d@example.com'));
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.raw.toString('latin1')).toBe(text.replace('..two\nbare', '..two\r\nbare'));
  });

  it('a connection dropped after a wire message went out is uncertain; one dropped before DATA is transient', async () => {
    sink.script(({ stage, to }) => {
      if (stage === 'rcpt' && to.startsWith('before')) return 'drop';
      if (stage === 'data' && to.startsWith('after')) return 'drop';
      return 'accept';
    });
    const msg = (to: string) => slices(`From: <a@briefing.test>\r\nTo: <${to}>\r\nSubject: x\r\n\r\nHello there, this is the body\r\n`, true);
    const before = await failure(transport.send(msg('before@example.com'), env('before@example.com')));
    expect(before.kind).toBe('transient');
    const after = await failure(transport.send(msg('after@example.com'), env('after@example.com')));
    expect(after.kind).toBe('uncertain');
    expect(sink.droppedAfterData).toHaveLength(1);
    await transport.send(msg('ok@example.com'), env('ok@example.com'));
    expect(sink.messages.map((m) => m.to[0])).toEqual(['ok@example.com']);
  });
});

describe('SMTP transport against a broken server', () => {
  // Regression: a connection that ended before the greeting left the message waiting forever,
  // and the CLI exited with status 13 (an unsettled top-level await).
  it('a server that never greets fails the message as transient instead of hanging', async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket)); // accepts, then says nothing
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    const transport = createSmtpTransport(`smtp://127.0.0.1:${port}`, { poolSize: 2, ratePerSecond: 0, timeouts: { greeting: 300 } });
    try {
      const error = await failure(transport.send(raw('x@example.com'), env('x@example.com')));
      expect(error.kind).toBe('transient');
      expect(error.message).toMatch(/greeting/i);
    } finally {
      await transport.close();
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a server that closes before the greeting is transient', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    const transport = createSmtpTransport(`smtp://127.0.0.1:${port}`, { poolSize: 1, ratePerSecond: 0 });
    try {
      expect((await failure(transport.send(raw('x@example.com'), env('x@example.com')))).kind).toBe('transient');
    } finally {
      await transport.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a refused connection is transient', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const transport = createSmtpTransport(`smtp://127.0.0.1:${port}`, { poolSize: 1, ratePerSecond: 0 });
    try {
      expect((await failure(transport.send(raw('x@example.com'), env('x@example.com')))).kind).toBe('transient');
    } finally {
      await transport.close();
    }
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://', () => {
    expect(() => createSmtpTransport('http://127.0.0.1:25', { poolSize: 1, ratePerSecond: 0 })).toThrow(/smtp:\/\/ or smtps:\/\//);
  });
});

describe('SMTP transport: beforeData, the hook send commits the previous answers in', () => {
  withSinkAndTransport();
  const wire = (to: string): WireMessage => {
    const whole = Buffer.from(`From: <a@briefing.test>\r\nTo: <${to}>\r\nSubject: x\r\n\r\nHello\r\n`, 'latin1');
    return { chunks: [whole.subarray(0, 10), whole.subarray(10)], length: whole.length, smtpSafe: true };
  };

  it('runs once per message after the envelope was accepted, before the server has any of it; not for a refused recipient', async () => {
    sink.script(({ stage, to }) => (stage === 'rcpt' && to.startsWith('gone') ? { code: 550, message: 'No such user' } : 'accept'));
    const seen: string[] = [];
    const hook = (to: string) => () => seen.push(`${to}:${sink.messages.length}`);
    await transport.send(raw('s1@example.com'), env('s1@example.com'), hook('s1'));
    await transport.send(wire('w1@example.com'), env('w1@example.com'), hook('w1'));
    await failure(transport.send(wire('gone@example.com'), env('gone@example.com'), hook('gone')));
    await transport.send(wire('w2@example.com'), env('w2@example.com'), hook('w2'));
    expect(seen).toEqual(['s1:0', 'w1:1', 'w2:2']);
    expect(sink.messages.map((m) => m.to[0])).toEqual(['s1@example.com', 'w1@example.com', 'w2@example.com']);
  });

  it('when it throws, none of the message is sent, the send fails as transient, and the pool still works', async () => {
    const refuse = () => {
      throw new Error('commit failed');
    };
    const streamed = await failure(transport.send(raw('s@example.com'), env('s@example.com'), refuse));
    expect(streamed.kind).toBe('transient');
    const direct = await failure(transport.send(wire('w@example.com'), env('w@example.com'), refuse));
    expect(direct.kind).toBe('transient');
    await transport.send(wire('ok@example.com'), env('ok@example.com'));
    expect(sink.messages.map((m) => m.to[0])).toEqual(['ok@example.com']);
    expect(sink.droppedAfterData).toEqual([]);
  });
});

describe('SMTP transport: warm', () => {
  it('opens the pool before the first message, and the messages use those connections', async () => {
    const sink = await startSmtpSink();
    const transport = createSmtpTransport(sink.url, { poolSize: 2, ratePerSecond: 0 });
    try {
      transport.warm!();
      const deadline = Date.now() + 5000;
      while (sink.connections.opened < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(sink.connections.opened).toBe(2);
      await Promise.all(['a', 'b', 'c', 'd'].map((x) => transport.send(raw(`${x}@example.com`), env(`${x}@example.com`))));
      expect(sink.messages).toHaveLength(4);
      expect(sink.connections.opened).toBe(2);
    } finally {
      await transport.close();
      await sink.close();
    }
  });
});

describe('SMTP transport: replacing a connection at its message limit', () => {
  it('opens the successor while the old connection still sends: never over the limit, at most one connection over the pool', async () => {
    const sink = await startSmtpSink();
    const transport = createSmtpTransport(sink.url, { poolSize: 2, ratePerSecond: 0, maxMessages: 20 });
    try {
      // Two messages in flight at a time, as send's two slots would keep them.
      let next = 0;
      const slot = async () => {
        while (next < 120) {
          const to = `r${next++}@example.com`;
          await transport.send(raw(to), env(to));
        }
      };
      await Promise.all([slot(), slot()]);
      const perSession = new Map<string, number>();
      for (const m of sink.messages) perSession.set(m.session, (perSession.get(m.session) ?? 0) + 1);
      expect([...perSession.values()].reduce((a, b) => a + b, 0)).toBe(120);
      expect(Math.max(...perSession.values())).toBeLessThanOrEqual(20);
      expect(perSession.size).toBeGreaterThanOrEqual(6);
      expect(sink.connections.mostOpen).toBeLessThanOrEqual(3);
    } finally {
      await transport.close();
      await sink.close();
    }
  });
});

describe('SMTP transport: closing', () => {
  withSinkAndTransport();

  it('quits a connection whose RSET after a refused recipient was still in flight at close (regression: the process stayed alive ~60 s)', async () => {
    sink.script(({ stage }) => (stage === 'rcpt' ? { code: 550, message: '5.1.1 No such user' } : 'accept'));
    await failure(transport.send(raw('gone@example.com'), env('gone@example.com')));
    // The rejection is in; the RSET that follows it is on its way.
    await transport.close();
    const until = Date.now() + 5000;
    while (sink.connections.open > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(sink.connections.open).toBe(0);
  });
});
