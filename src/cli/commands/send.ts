import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EXIT, type CommandContext, type ExitCode, type RunAction } from '../context.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stage = () => import('../../delivery/send.js');

export function registerSend(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('send')
    .description('mail an edition to every confirmed subscriber who follows one of its themes')
    .argument('<edition>', 'edition id (its date, e.g. 2026-11-23), its number, or "latest"')
    .option('--dry-run', 'render and count, send nothing')
    .option('--resend-uncertain', 'also resend messages whose connection was lost after the message went out')
    .option('--resume-stale', 'finish an interrupted send even when it began longer ago than delivery.resume_max_age')
    .option('--test <addresses>', 'send the real message to these addresses only (comma-separated), subject "[Test] …"; records nothing')
    .option('--force', 'send even when the pre-send checks (briefing preflight) find errors; each one is printed')
    .addHelpText(
      'after',
      '\nWith SMTP_URL set, mail goes over SMTP (BRIEFING_SECRET required); without it, each message is written\n' +
        'to <data dir>/outbox/<edition>/ as an .eml file. Sending again only sends what has not been sent:\n' +
        'after a crash, run the same command. Ctrl-C stops taking new recipients and finishes those in flight.\n' +
        'Before the first message it opens one connection and stops (exit 1, nothing recorded) when the relay\n' +
        'cannot be reached, its TLS fails or it refuses the login. During the send it stops when too many answers\n' +
        'are blocks or connection failures (delivery.max_error_rate), leaving the rest pending for the next run.\n' +
        'Only a dead mailbox (5.1.x, 5.2.1) suppresses an address; a block (5.7.x, DMARC, spam) suppresses nobody.\n' +
        'First the pre-send checks run (briefing preflight): an error stops the send before any message, unless\n' +
        '--force; a send already under way (resumed) is not stopped by them.\n' +
        'Exit status: 0 when nothing failed, 1 when some messages failed or were blocked, or the send stopped.',
    )
    .action((edition: string, opts: { dryRun?: boolean; resendUncertain?: boolean; resumeStale?: boolean; test?: string; force?: boolean }) =>
      run(async () => {
        if (opts.test !== undefined) return testSend(ctx, edition, opts.test);
        const { sendEdition } = await stage();
        await checkBeforeSending(ctx, edition, { force: Boolean(opts.force), dryRun: Boolean(opts.dryRun) });
        const controller = new AbortController();
        const stop = () => {
          if (controller.signal.aborted) process.exit(130);
          ctx.log.warn('stopping: finishing the messages in flight (Ctrl-C again to quit now; the next run resends those)');
          controller.abort();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
        try {
          const summary = await sendEdition(ctx.config(), {
            edition,
            dryRun: Boolean(opts.dryRun),
            resendUncertain: Boolean(opts.resendUncertain),
            resumeStale: Boolean(opts.resumeStale),
            log: ctx.log,
            signal: controller.signal,
            progress: ctx.interactive ? 'bar' : 'lines',
          });
          return summary.failed > 0 || summary.blocked > 0 || summary.aborted ? EXIT.problem : EXIT.ok;
        } finally {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );
}

/**
 * The pre-send checks, before anything is recorded. A dry run prints every problem and stops for none; a
 * send already under way is finished whatever they say (half the list has it).
 */
async function checkBeforeSending(ctx: CommandContext, edition: string, opts: { force: boolean; dryRun: boolean }): Promise<void> {
  const config = ctx.config();
  const [{ preflight, preflightGate }, { openDatabase }, { messagesWentOut }, { formatProblem }] = await Promise.all([
    import('../../preflight/preflight.js'),
    import('../../store/db.js'),
    import('../../delivery/log.js'),
    import('../../problems.js'),
  ]);
  const db = openDatabase(config.dataDir);
  try {
    if (opts.dryRun) {
      for (const p of (await preflight(config, edition, { db })).problems) ctx.log.warn(formatProblem(p));
      return;
    }
    await preflightGate(config, edition, { db, force: opts.force, log: ctx.log, underWay: (id) => messagesWentOut(db, id) });
  } finally {
    db.close();
  }
}

async function testSend(ctx: CommandContext, edition: string, list: string): Promise<ExitCode> {
  const { normalizeAddress } = await import('../../delivery/address.js');
  const to: string[] = [];
  for (const part of list.split(',').filter((p) => p.trim())) {
    const address = normalizeAddress(part);
    if (!address.ok) throw new UsageError(`--test: ${address.message}`);
    to.push(address.email);
  }
  if (to.length === 0) throw new UsageError('--test needs at least one address, e.g. --test editor@example.org');
  const { sendTest } = await import('../../delivery/test-send.js');
  const result = await sendTest(ctx.config(), { edition, to, log: ctx.log });
  ctx.log.warn(`sent ${result.sent.length} test message${result.sent.length === 1 ? '' : 's'} of edition ${result.editionId}; no subscriber got it, and the edition is still a draft`);
  return EXIT.ok;
}
