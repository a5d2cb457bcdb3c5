import type { Command } from 'commander';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stage = () => import('../../schedule/tick.js');

export function registerRunNow(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('run-now')
    .description('run one tick now: check briefs, assemble, build, send (for system cron users, and tests)')
    .addHelpText(
      'after',
      '\nExit status: 0 when the tick ran (sent an edition, or found nothing new), 1 when it failed, was\n' +
        'interrupted, or another Briefing process holds the send lock.',
    )
    .action(() =>
      run(async () => {
        const { runTick } = await stage();
        const config = ctx.config();
        const controller = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          if (controller.signal.aborted) process.exit(EXIT.problem);
          ctx.log.warn(`${signal}: finishing the messages in flight; the rest resume at the next run`);
          controller.abort(new Error(signal));
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
        try {
          const summary = await runTick(config, { log: ctx.log, signal: controller.signal, reason: 'manual' });
          return summary.status === 'sent' || summary.status === 'nothing' ? EXIT.ok : EXIT.problem;
        } finally {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
      }),
    );
}
