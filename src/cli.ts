/**
 * The command line: the only place that reads process.argv or sets an exit
 * code. Commands live in src/cli/commands/, one file each, and call into the
 * stages; this file wires them and turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DB_FILE } from './paths.js';
import { BriefingError, InputError, UsageError, diskProblem, formatError } from './errors.js';
import { createContext, EXIT, type GlobalOptions, type RunAction } from './cli/context.js';
import { registerCheck } from './cli/commands/check.js';
import { registerNew } from './cli/commands/new.js';
import { registerAssemble } from './cli/commands/assemble.js';
import { registerPreview } from './cli/commands/preview.js';
import { registerBuild } from './cli/commands/build.js';
import { registerRunNow } from './cli/commands/run-now.js';
import { registerBounces } from './cli/commands/bounces.js';
import { registerStatus } from './cli/commands/status.js';
import { registerStart } from './cli/commands/start.js';
import { registerSubscribers } from './cli/commands/subscribers.js';
import { registerSend } from './cli/commands/send.js';
import { registerPreflight } from './cli/commands/preflight.js';
import { registerServe } from './cli/commands/serve.js';
import { registerDev } from './cli/commands/dev.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export type Register = (program: Command, ctx: ReturnType<typeof createContext>, run: RunAction) => void;

const commands: Register[] = [registerNew, registerCheck, registerAssemble, registerPreview, registerBuild, registerRunNow, registerStart, registerSubscribers, registerPreflight, registerSend, registerStatus, registerBounces, registerServe, registerDev];

export async function main(argv: string[]): Promise<number> {
  // `briefing status | head` closes stdout early: that is the reader being done, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
    throw error;
  });
  const program = new Command('briefing')
    .description('Turn Markdown briefs into a themed email newsletter and a static web archive.')
    .version(version)
    .option('-c, --config <file>', 'config file (default: briefing.config.yml)')
    .option('--debug', 'print stack traces and debug logs')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  let exitCode: number = EXIT.ok;
  const ctx = createContext(() => program.opts<GlobalOptions>());
  const run: RunAction = async (fn) => {
    exitCode = await fn();
  };
  for (const register of commands) register(program, ctx, run);
  program.commands.forEach((c) => c.exitOverride());

  try {
    if (argv.length <= 2) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    // SQLite's "database or disk is full" names no file: it is the database's.
    const dataDir = ctx.loadedConfig()?.dataDir;
    return report(error, Boolean(program.opts<GlobalOptions>().debug), dataDir && path.join(dataDir, DB_FILE));
  }
}

function report(error: unknown, debug: boolean, database: string | undefined): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help).
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  process.stderr.write(formatError(error, debug) + '\n');
  // A full or read-only disk is the machine's problem, not a bug: say which disk and which file.
  const disk = diskProblem(error, database);
  if (disk) {
    process.stderr.write(`${disk}\n`);
    return EXIT.problem;
  }
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof InputError || error instanceof BriefingError) return EXIT.problem;
  if (!debug) process.stderr.write('This looks like a bug in Briefing; run again with --debug for details.\n');
  return EXIT.problem;
}

process.exitCode = await main(process.argv);
