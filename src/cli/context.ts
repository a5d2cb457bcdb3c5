/**
 * What every command gets: the global options and a lazily loaded config,
 * so `--help` works even where there is no config file.
 */
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';
import { consoleLogger, type Logger } from '../log.js';

export interface GlobalOptions {
  config?: string;
  debug?: boolean;
}

export interface CommandContext {
  config(): Config;
  /** The config if a command has loaded it, for error reports (never loads it). */
  loadedConfig(): Config | undefined;
  log: Logger;
  /** Whether stdout is a terminal: progress bars and colour only then. */
  interactive: boolean;
}

export function createContext(globals: () => GlobalOptions): CommandContext {
  let cached: Config | undefined;
  return {
    config: () => (cached ??= loadConfig(globals().config ? { file: globals().config } : {})),
    loadedConfig: () => cached,
    log: consoleLogger,
    interactive: Boolean(process.stdout.isTTY),
  };
}

/** Exit codes: 0 success, 1 a problem in the user's input (or a failed job), 2 a usage error. */
export const EXIT = { ok: 0, problem: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Runs a command's action and keeps its exit code; cli.ts prints what it throws. */
export type RunAction = (fn: () => Promise<ExitCode>) => Promise<void>;
