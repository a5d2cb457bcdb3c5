/**
 * Every measurement runs in its own Node process, so one side's heap, JIT
 * warm-up and module cache never help or hurt the other, and peak memory
 * (maxRSS) belongs to that measurement alone. A task prints one line
 * `BENCH_RESULT {json}`; the harness adds nothing to its timing.
 */
import type { Plugin } from 'esbuild';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// One level below bench/ both here (bench/lib) and in a task's script (bench/.tasks): the same from either.
export const BENCH_DIR = path.resolve(import.meta.dirname, '..');
export const ROOT = path.resolve(BENCH_DIR, '..');
const MARK = 'BENCH_RESULT ';

export interface TaskResult {
  /** Peak resident set of the task's own process (exact, getrusage), in MB. */
  rssMb: number;
  /**
   * Peak of the task's whole process tree (it plus helpers it starts, such as
   * Pagefind's indexer or an Eleventy watcher), sampled every 100 ms, in MB.
   * Never below rssMb.
   */
  treeRssMb: number;
  /** Wall time of the whole task process (start-up and setup included), in ms. */
  wallMs: number;
  [key: string]: unknown;
}

/** A Briefing part the task needs is not built (yet): its rows say so instead of failing. */
export class NotBuiltError extends Error {}

const NOT_BUILT = 'BENCH_NOT_BUILT ';
const NOT_BUILT_EXIT = 3;

/** For tasks: reports that a part is missing and ends the task. */
export function exitNotBuilt(reason: string): never {
  process.stdout.write(`${NOT_BUILT}${reason}\n`);
  process.exit(NOT_BUILT_EXIT);
}

export class TaskError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** Runs bench/tasks/<name>.ts (as plain JavaScript, see taskScript) and returns what it reported. */
export async function runTask<T extends TaskResult>(
  name: string,
  args: Record<string, string | number | boolean>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<T> {
  const file = await taskScript(name);
  const argv = Object.entries(args).map(([k, v]) => `--${k}=${v}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...argv], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    let treePeak = 0;
    const sampler = setInterval(() => {
      if (child.pid) treePeak = Math.max(treePeak, treeRssMb(child.pid));
    }, 100);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      const line = out.split('\n').reverse().find((l) => l.startsWith(MARK));
      if (code === 0 && line) {
        const result = JSON.parse(line.slice(MARK.length)) as T;
        result.treeRssMb = Math.round(Math.max(treePeak, result.rssMb) * 10) / 10;
        result.wallMs = Math.round(performance.now() - started);
        return resolve(result);
      }
      const missing = out.split('\n').find((l) => l.startsWith(NOT_BUILT));
      if (code === NOT_BUILT_EXIT && missing) return reject(new NotBuiltError(missing.slice(NOT_BUILT.length)));
      const tail = (err + out).split('\n').slice(-25).join('\n');
      reject(new TaskError(`task ${name} failed (${signal ?? `exit ${code}`})`, tail));
    });
  });
}

const scripts = new Map<string, Promise<string>>();

/**
 * bench/tasks/<name>.ts bundled into one plain-JavaScript file in
 * bench/.tasks/, its imports of src/ pointing at lib/ (src/ compiled, as
 * `briefing` runs it; see bin/compile.js). So a task runs the way the CLI
 * does, and a bare Eleventy or nodemailer user would: without a TypeScript
 * loader, whose thread alone costs a process ~35 MB and ~0.3 s. Built once
 * per harness run; written through a rename, as another run may be reading it.
 */
function taskScript(name: string): Promise<string> {
  let script = scripts.get(name);
  if (!script) {
    script = bundleTask(name);
    scripts.set(name, script);
  }
  return script;
}

async function bundleTask(name: string): Promise<string> {
  // Imported here, not at the top: every task's script includes this file, and a task should not load esbuild.
  const { build } = await import('esbuild');
  const { compiled, writeAtomic } = await import('../../bin/compile.js');
  const lib = await compiled(ROOT);
  const src = path.join(ROOT, 'src');
  const srcAsLib: Plugin = {
    name: 'src-as-lib',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (a) => {
        const file = path.resolve(a.resolveDir, a.path);
        return file.startsWith(src + path.sep) ? { path: path.join(lib, path.relative(src, file)), external: true } : undefined;
      });
    },
  };
  const result = await build({
    entryPoints: [path.join(BENCH_DIR, 'tasks', `${name}.ts`)],
    outfile: path.join(BENCH_DIR, '.tasks', `${name}.mjs`),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [srcAsLib],
    write: false,
    logLevel: 'silent',
  });
  const out = result.outputFiles[0]!;
  writeAtomic(out.path, out.contents);
  return out.path;
}

/** For tasks: parses `--key=value` arguments. */
export function taskArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** For tasks: reports the result with the process's peak RSS and exits. */
export function report(result: Record<string, unknown>): void {
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${MARK}${JSON.stringify({ ...result, rssMb: Math.round(rssMb * 10) / 10 })}\n`);
}

const PAGE = 4096;

/** Resident memory of a process and all its descendants, in MB (Linux /proc; 0 elsewhere). */
export function treeRssMb(pid: number): number {
  let pages = 0;
  const visit = (p: number, depth: number) => {
    try {
      pages += Number(readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1]);
      if (depth > 8) return;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        for (const c of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').split(' ')) if (c.trim()) visit(Number(c), depth + 1);
      }
    } catch {
      // The process ended between two reads, or this is not Linux.
    }
  };
  visit(pid, 0);
  return (pages * PAGE) / (1024 * 1024);
}
