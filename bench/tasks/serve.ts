/**
 * Static pages while the database is busy: `briefing serve` on a built archive,
 * loaded with autocannon on loopback (10 connections; pages, a feed and the
 * stylesheet in turn; brotli accepted, as a browser does). With --load=import,
 * `briefing subscribers import` writes --csv into the same SQLite file, and the
 * window measured is the import's, from its first write to its exit. With
 * --load=idle, the same load for --seconds with nothing else running.
 * Both processes are the real CLI, as an operator runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { report, ROOT, taskArgs } from '../lib/child.js';
import { freePort } from '../../tests/helpers/ports.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const dist = path.resolve(args.dist!);
const data = path.resolve(args.data!);
const load = args.load === 'import' ? 'import' : 'idle';
const idleSeconds = Number(args.seconds ?? 5);
const CONNECTIONS = 10;

// No SMTP_URL: confirmation mail, if any, goes to the outbox.
const { SMTP_URL: _smtp, ...inherited } = process.env;
const env = { ...inherited, NODE_OPTIONS: '', BRIEFING_DATA_DIR: data };
const cli = (argv: string[]): ChildProcess =>
  spawn(process.execPath, [path.join(ROOT, 'bin/briefing.js'), ...argv], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });

function fail(message: string): never {
  server?.kill('SIGKILL');
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** What a reader fetches: the home page, a theme page, a brief, the feed and the stylesheet. */
function readerPaths(): string[] {
  const themes = readdirSync(path.join(dist, 'themes')).filter((d) => existsSync(path.join(dist, 'themes', d, 'index.html')));
  const briefs = readdirSync(path.join(dist, 'briefs')).filter((d) => existsSync(path.join(dist, 'briefs', d, 'index.html')));
  const css = readdirSync(path.join(dist, 'assets')).find((f) => /^site\.[0-9a-f]+\.css$/.test(f));
  if (!themes[0] || !briefs[0] || !css) fail(`${dist} has no theme page, brief page or stylesheet`);
  return ['/', `/themes/${themes[0]}/`, `/briefs/${briefs[0]}/`, '/feed.xml', `/assets/${css}`];
}

const port = await freePort();
const server = cli(['serve', '--dist', dist, '--port', String(port)]);
let serverLog = '';
server.stdout!.on('data', (d: Buffer) => (serverLog += d));
server.stderr!.on('data', (d: Buffer) => (serverLog += d));
server.on('exit', (code) => fail(`briefing serve exited (${code}):\n${serverLog}`));
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (await fetch(url).then((r) => r.ok, () => false)) break;
  if (i > 200) fail(`briefing serve did not answer:\n${serverLog}`);
  await new Promise((r) => setTimeout(r, 50));
}

const requests = readerPaths().map((p) => ({ path: p, headers: { 'accept-encoding': 'br, gzip' } }));
/** Starts the load; resolves with autocannon's result once stop() is called or the duration ends. */
function cannon(seconds: number) {
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({ url, connections: CONNECTIONS, duration: seconds, requests }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  return { stop: () => instance!.stop(), done };
}

await cannon(1).done; // warm-up: JIT, file cache, connections

let result: autocannon.Result;
let importMs: number | undefined;
if (load === 'idle') {
  result = await cannon(idleSeconds).done;
} else {
  const wal = path.join(data, 'briefing.db-wal');
  const walSize = () => (existsSync(wal) ? statSync(wal).size : 0);
  const before = walSize();
  const started = performance.now();
  const importer = cli(['subscribers', 'import', path.resolve(args.csv!)]);
  let importLog = '';
  importer.stdout!.on('data', (d: Buffer) => (importLog += d));
  importer.stderr!.on('data', (d: Buffer) => (importLog += d));
  const exited = new Promise<number | null>((resolve) => importer.on('exit', resolve));
  // Measure from the import's first write (its start-up and CSV parsing take no lock).
  let ended = false;
  void exited.then(() => (ended = true));
  while (walSize() === before && !ended) await new Promise((r) => setTimeout(r, 5));
  const run = cannon(3600);
  const code = await exited;
  run.stop();
  result = await run.done;
  importMs = performance.now() - started;
  if (code !== 0) fail(`the import failed (${code}):\n${importLog}`);
}

server.removeAllListeners('exit');
server.kill('SIGTERM');
const bad = result.non2xx + result.errors + result.timeouts;
if (bad > 0) fail(`${bad} of ${result.requests.total} requests failed (non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
report({
  ms: result.duration * 1000,
  requests: result.requests.total,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  maxMs: result.latency.max,
  importMs,
});
