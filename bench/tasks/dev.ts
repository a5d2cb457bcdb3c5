/**
 * Rebuild in `npm run dev` (`briefing dev`: Eleventy watching with the project's
 * configuration, served by Briefing's server): starts it on the corpus, waits for the first build, then
 * `--runs` times writes one new brief and measures the time until its page
 * appears in dist/ (polled every 10 ms), and until Eleventy reports the
 * rebuild finished (search index included). The new briefs are removed after.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { briefFile, makeBrief, SEED } from '../corpus.js';
import { report, ROOT, taskArgs } from '../lib/child.js';
import { freePort } from '../../tests/helpers/ports.js';
import { paths } from '../../src/urls.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const runs = Number(args.runs ?? 3);
const briefsDir = path.join(root, 'briefs');
const dist = path.join(root, 'dist');
const existing = readdirSync(briefsDir).length;

const child = spawn(process.execPath, [path.join(ROOT, 'bin/briefing.js'), 'dev', `--port=${await freePort()}`], {
  cwd: root,
  env: { ...process.env, NODE_OPTIONS: '', BRIEFING_DATA_DIR: path.join(root, 'data') },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
let log = '';
let builds = 0;
let seen = 0;
let partial = '';
const onOutput = (d: Buffer) => {
  const text = d.toString();
  log = (log + text).slice(-20_000);
  // Whole lines only: a chunk may end mid-line.
  const lines = (partial + text).split('\n');
  partial = lines.pop()!;
  for (const line of lines) {
    // `briefing dev` says so when a (re)build is done, search index included.
    if (line.startsWith('dev server at ') || line.startsWith('rebuilt (')) builds++;
    if (line.includes('File added') || line.includes('File changed')) seen++;
    if (line.includes('Fatal Error')) fail('Eleventy reported a fatal error');
  }
};
child.stdout.on('data', onOutput);
child.stderr.on('data', onOutput);
child.on('exit', (code) => fail(`the dev server exited (${code})`));

const added: string[] = [];
function cleanup() {
  child.removeAllListeners('exit');
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  for (const f of added) rmSync(f, { force: true });
  rmSync(dist, { recursive: true, force: true });
}
function fail(message: string): never {
  cleanup();
  process.stderr.write(`${message}\n${log.split('\n').filter((l) => !l.includes('Writing')).slice(-30).join('\n')}\n`);
  process.exit(1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, test: () => boolean, timeoutMs = 600_000) {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > timeoutMs) fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function within(ms: number, test: () => boolean): Promise<boolean> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > ms) return false;
    await sleep(10);
  }
  return true;
}

let t = performance.now();
await until('the first build', () => builds >= 1);
const firstBuildMs = performance.now() - t;
// Eleventy starts its file watcher after the first build; a file added while the
// watcher is still scanning counts as already there and triggers nothing. Let it finish.
await sleep(3000 + existing / 2);
const pageTimeout = Math.max(120_000, 5 * firstBuildMs);

const pageMs: number[] = [];
let missed = 0;
const rebuildMs: number[] = [];
for (let r = 0; r < runs; r++) {
  // Newer than every corpus brief (they end in 2025), and not after today: a future brief is not public yet.
  const brief = makeBrief(existing + 1000 + r, SEED, `2026-01-0${(r % 9) + 1}`);
  const page = path.join(dist, paths.brief(brief.id), 'index.html');
  const file = path.join(briefsDir, `${brief.id}.md`);
  const before = builds;
  added.push(file);
  let noticed = seen;
  t = performance.now();
  writeFileSync(file, briefFile(brief));
  // A write the watcher never reports (see above) is written again and timed from then: the figure is the rebuild, not the watcher's start-up.
  while (!(await within(5000, () => seen > noticed))) {
    missed++;
    if (missed > 5) fail('the dev server does not notice new briefs');
    noticed = seen;
    t = performance.now();
    writeFileSync(file, briefFile(brief) + '\n');
  }
  await until(`the page of ${brief.id}`, () => existsSync(page), pageTimeout);
  pageMs.push(performance.now() - t);
  await until('the rebuild to finish', () => builds > before, pageTimeout);
  rebuildMs.push(performance.now() - t);
  // Let the watcher settle, so the next write starts a fresh rebuild.
  await sleep(300);
}
cleanup();
if (process.env.BENCH_DEV_LOG) process.stderr.write(log.split('\n').filter((l) => !l.includes('Writing')).join('\n'));
report({ firstBuildMs, pageMs, rebuildMs, missedWrites: missed });
