import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stages = async () => ({ ...(await import('../../delivery/status.js')), ...(await import('../../store/db.js')) });

export function registerStatus(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('status')
    .description('what became of each edition: sent, blocked, bounced, complaints, failed, pending, and the top answers')
    .argument('[edition]', 'an edition id (its date); default: every edition sent so far, newest first')
    .option('--json', 'print JSON')
    .option('--missing', 'with an edition: who has not received it, and why')
    .action((edition: string | undefined, opts: { json?: boolean; missing?: boolean }) =>
      run(async () => {
        if (opts.missing && !edition) throw new UsageError('--missing needs an edition, e.g. briefing status 2026-11-23 --missing');
        const { editionStatuses, missingRecipients, formatStatus, openDatabase } = await stages();
        const db = openDatabase(ctx.config().dataDir);
        try {
          const statuses = editionStatuses(db, edition);
          const missing = opts.missing && edition ? missingRecipients(db, edition) : undefined;
          if (opts.json) ctx.log.info(JSON.stringify(missing ? { ...statuses[0], missing } : edition ? statuses[0] : statuses, null, 2));
          else {
            if (statuses.length === 0) ctx.log.warn('no edition has been sent yet');
            for (const s of statuses) for (const line of formatStatus(s)) ctx.log.info(line);
            for (const m of missing ?? []) ctx.log.info(`  ${m.email}  ${m.status}  ${m.why}`);
          }
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}
