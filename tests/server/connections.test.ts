/**
 * Connection limits, with a bounded load on loopback: one client holding
 * idle connections (it used to be able to hold about 20,000, until the
 * server's file descriptors ran out) gets no more than its share, another
 * client is still served, the total is capped, and idle connections that
 * never send a request are closed by the server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
let server: RunningServer;
const sockets: net.Socket[] = [];

async function serve(limits: Record<string, number>) {
  project = tempProject({ config: { server: limits } });
  const dist = path.join(project.root, 'dist');
  mkdirSync(dist, { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<h1>Home</h1>');
  server = await startServer(project.config({ BRIEFING_SECRET: 'connections-test-secret-0123456789' }), { distDir: dist, port: 0, host: '0.0.0.0', log: silentLogger });
}
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server.close();
  project.cleanup();
});

/** Opens `n` connections from `from` that send nothing; resolves once each is open or closed by the server. */
async function idle(n: number, from = '127.0.0.1'): Promise<{ open: () => number }> {
  const mine: net.Socket[] = [];
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve) => {
      const s = net.connect({ port: server.port, host: '127.0.0.1', localAddress: from });
      sockets.push(s);
      mine.push(s);
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.on('connect', () => resolve());
    })),
  );
  // Let the server see them and close what is over the limit.
  await new Promise((r) => setTimeout(r, 200));
  return { open: () => mine.filter((s) => !s.destroyed && s.readyState === 'open').length };
}

/** A plain GET over a fresh connection from `from`. */
function get(from: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port: server.port, host: '127.0.0.1', localAddress: from }, () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let data = '';
    s.on('data', (d) => (data += d.toString()));
    s.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

describe('connection limits', () => {
  it('one client gets at most max_connections_per_ip, and another is still served', async () => {
    await serve({ max_connections_per_ip: 20, max_connections: 200 });
    const flood = await idle(60, '127.0.0.1');
    expect(flood.open()).toBe(20);
    expect(await get('127.0.0.2')).toBe(200);
  });

  it('caps connections in all at max_connections', async () => {
    await serve({ max_connections_per_ip: 500, max_connections: 30 });
    const a = await idle(25, '127.0.0.3');
    const b = await idle(25, '127.0.0.4');
    expect(a.open() + b.open()).toBeLessThanOrEqual(30);
  });

  it('closes a connection that never sends a request (10 s without a byte)', { timeout: 30_000 }, async () => {
    await serve({ max_connections_per_ip: 5, max_connections: 100 });
    const s = net.connect({ port: server.port, host: '127.0.0.1' });
    sockets.push(s);
    // Resolves when the server hangs up; the test's own time limit is the bound, not a measurement.
    await new Promise<void>((resolve) => s.on('close', () => resolve()).on('error', () => resolve()));
    expect(s.destroyed).toBe(true);
  });
});
