import { spawnSync } from 'node:child_process';
import { CLI } from './project.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, as a writer would. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; nodeOptions?: string }): CliResult {
  const result = spawnSync(process.execPath, [...(options.nodeOptions ? [options.nodeOptions] : []), CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
