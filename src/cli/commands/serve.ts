import path from 'node:path';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError, UsageError } from '../../errors.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stage = () => import('../../server/server.js');

/** --port as given, checked; undefined when not given. */
export function portOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${value}"`);
  return port;
}

export function registerServe(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('serve')
    .description('serve the archive (dist/) and the subscribe, confirm, preferences and unsubscribe pages')
    .option('-p, --port <n>', 'port (default: PORT, else server.port in the config, 8080)')
    .option('--host <host>', 'address to listen on (default: server.host, 127.0.0.1)')
    .option('--dist <dir>', 'the built archive', 'dist')
    .addHelpText('after', '\nBRIEFING_SECRET signs the links in emails; SMTP_URL carries confirmation mails (else they go to <data dir>/outbox/confirmations/).')
    .action((opts: { port?: string; host?: string; dist: string }) =>
      run(async () => {
        const { startServer } = await stage();
        const config = ctx.config();
        const port = portOption(opts.port);
        const distDir = path.resolve(config.root, opts.dist);
        if (!existsSync(distDir)) throw new InputError('BUILD_FAILED', `${opts.dist.replace(/\/+$/, '')}/ does not exist; run \`briefing build\` first`);
        const server = await startServer(config, {
          distDir,
          log: ctx.log,
          ...(port !== undefined ? { port } : {}),
          ...(opts.host ? { host: opts.host } : {}),
        });
        ctx.log.info(`serving ${opts.dist}/ at ${server.url} (Ctrl-C to stop)`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
        return EXIT.ok;
      }),
    );
}
