import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stage = () => import('../../service/service.js');

export function registerStart(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('start')
    .description('run the service: the web server plus the schedule that assembles, builds and sends each edition')
    .option('--port <port>', 'port to listen on (default: server.port in the config, or PORT)')
    .option('--host <host>', 'address to listen on (default: server.host in the config)')
    .addHelpText(
      'after',
      '\nThe schedule is schedule.cron in schedule.timezone (default: Mondays 07:00). A tick missed while the\n' +
        'service was down runs once at start. SIGTERM or SIGINT stops it gracefully: messages in flight finish,\n' +
        'the rest resume at the next start. Exit status 0 after a graceful stop.',
    )
    .action((opts: { port?: string; host?: string }) =>
      run(async () => {
        const { startService } = await stage();
        const config = ctx.config();
        const port = opts.port === undefined ? undefined : Number(opts.port);
        if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
          throw new UsageError(`--port must be a port number, not "${opts.port}"`);
        }
        // Listening before the service starts: a signal during start-up (the banner is printed before
        // startService returns) stops it as soon as it is up, gracefully, instead of killing it.
        let stopping = false;
        let stopRequested: (() => void) | undefined;
        const requested = new Promise<void>((resolve) => (stopRequested = resolve));
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            // A second signal means "now": the interrupted tick resumes at the next start.
            ctx.log.warn(`${signal} again: stopping at once; the interrupted send resumes at the next start`);
            process.exit(EXIT.problem);
          }
          stopping = true;
          ctx.log.info(`${signal}: stopping (send ${signal} again to stop at once)…`);
          stopRequested!();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        try {
          const service = await startService(config, {
            log: ctx.log,
            ...(port !== undefined ? { port } : {}),
            ...(opts.host ? { host: opts.host } : {}),
          });
          await requested;
          await service.stop();
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
        ctx.log.info('Briefing stopped.');
        return EXIT.ok;
      }),
    );
}
