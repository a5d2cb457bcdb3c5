/**
 * `briefing start` as a child process, as systemd or a container would run
 * it: its output collected line by line, waits on what it prints (never on
 * time), and a graceful stop by signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../helpers/project.js';

export interface ServiceProcess {
  proc: ChildProcess;
  /** Every line printed so far, stdout and stderr interleaved. */
  lines: string[];
  /** Resolves with the first line matching, or the count-th one; rejects if the process exits first or after the bound. */
  waitFor(pattern: RegExp, options?: { count?: number; timeoutMs?: number }): Promise<string>;
  count(pattern: RegExp): number;
  /** The exit code, once the process has exited. */
  exited: Promise<number | null>;
  /** Sends the signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  output(): string;
}

/** `options.command`: what runs `args` (default: the CLI, `node bin/briefing.js`), such as `npm run dev --`. */
export function startService(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; command?: string[] }): ServiceProcess {
  const [file, ...before] = options.command ?? [process.execPath, CLI];
  const proc = spawn(file!, [...before, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', DEBUG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
      notify();
    });
  }
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => {
      done = true;
      notify();
      resolve(code);
    });
  });

  const matching = (pattern: RegExp) => lines.filter((l) => pattern.test(l));
  const service: ServiceProcess = {
    proc,
    lines,
    exited,
    count: (pattern) => matching(pattern).length,
    output: () => lines.join('\n'),
    waitFor(pattern, { count = 1, timeoutMs = 40_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = matching(pattern);
          if (found.length >= count) {
            finish();
            resolve(found[count - 1]!);
          } else if (done) {
            finish();
            reject(new Error(`the service exited before printing ${pattern} (x${count}):\n${service.output()}`));
          }
        };
        // A bound so a broken service fails the test instead of hanging it; not a measurement.
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${pattern} (x${count}) from the service:\n${service.output()}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!done) proc.kill(signal);
      return exited;
    },
  };
  return service;
}
