/**
 * Confirmation mails go through a queue in SQLite: with a relay on loopback
 * that accepts connections and never greets, /subscribe still answers at
 * once, the same for a new address as for a known one; the mail is retried,
 * survives a restart of the server, and goes out once the relay answers.
 */
import net from 'node:net';
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmtpTransport } from '../../src/delivery/smtp-pool.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import type { Transport } from '../../src/delivery/transport.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

const SECRET = 'queue-test-secret-0123456789abcdef';

/** A relay that hangs (accepts, never greets) until told to pass connections on to the sink. */
async function hangingRelay(sinkPort: number) {
  let hang = true;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (hang) return;
    const upstream = net.connect(sinkPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(relay.address() as net.AddressInfo).port}`,
    answer: () => (hang = false),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => relay.close(resolve));
    },
  };
}

let project: TempProject;
let sink: SmtpSink;
let relay: Awaited<ReturnType<typeof hangingRelay>>;
let transport: Transport;
let db: Db;
let server: RunningServer | undefined;

beforeEach(async () => {
  project = tempProject();
  const dist = path.join(project.root, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<h1>Home</h1>');
  sink = await startSmtpSink();
  relay = await hangingRelay(sink.port);
  transport = createSmtpTransport(relay.url, { poolSize: 1, ratePerSecond: 0, timeouts: { connection: 400, greeting: 400, socket: 400 } });
  db = openDatabase(project.dataDir);
});
afterEach(async () => {
  await server?.close();
  await transport.close();
  await relay.close();
  await sink.close();
  db.close();
  project.cleanup();
});

const start = () => startServer(project.config({ BRIEFING_SECRET: SECRET }), { distDir: path.join(project.root, 'dist'), port: 0, host: '127.0.0.1', log: silentLogger, transport, db, confirmationTimeoutMs: 2000 });
const subscribe = (email: string) => fetch(server!.url + '/subscribe', { method: 'POST', body: new URLSearchParams({ email }) });
const queued = () => db.prepare('SELECT to_address, status, attempts, last_error FROM confirmation_mails ORDER BY id').all() as { to_address: string; status: string; attempts: number; last_error: string | null }[];

describe('the confirmation queue', () => {
  it('answers at once while the relay hangs, the same for a new and a known address; retries, survives a restart, sends once the relay answers', async () => {
    server = await start();
    addSubscriber(db, { email: 'known@example.com', source: 'test' });
    // Neither answer waits on the relay: it has not greeted anybody.
    const [fresh, known] = await Promise.all([subscribe('fresh@example.com'), subscribe('known@example.com')]);
    expect([fresh.status, known.status]).toEqual([200, 200]);
    expect((await fresh.text()).replace('fresh@example.com', 'X')).toBe((await known.text()).replace('known@example.com', 'X'));
    expect(queued()).toMatchObject([{ to_address: 'fresh@example.com', status: 'pending' }]);

    // The first attempt (made as the request was queued) meets the hanging relay: failed, kept, to be
    // tried again after its wait, so draining what is due now tries nothing more.
    await server.drainConfirmations();
    expect(queued()).toMatchObject([{ status: 'pending', attempts: 1 }]);
    expect(queued()[0]!.last_error).toMatch(/greeting|timeout|timed out|no answer/i);
    expect(sink.messages).toHaveLength(0);

    // A restart loses nothing; once the relay answers, the mail goes out, once.
    await server.close();
    relay.answer();
    server = await start();
    await server.drainConfirmations({ all: true });
    expect(queued()).toMatchObject([{ status: 'sent', attempts: 2 }]);
    await sink.waitForMessages(1);
    expect(sink.messages.map((m) => m.to[0])).toEqual(['fresh@example.com']);
    await server.drainConfirmations({ all: true });
    expect(sink.messages).toHaveLength(1);
  });
});
