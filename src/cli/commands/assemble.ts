import type { Command } from 'commander';
import { assembleEdition } from '../../editions/assemble.js';
import { checkDateFlag } from '../dates.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

export function registerAssemble(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('assemble')
    .description('gather the unpublished ready briefs into editions/<date>.md')
    .option('--date <YYYY-MM-DD>', 'the edition date (default: today in schedule.timezone)')
    .option('--subject <text>', 'a subject line for this edition instead of email.subject')
    .option('--rebuild', "the date's draft edition: choose its briefs again from scratch")
    .addHelpText(
      'after',
      '\nTakes every ready brief dated on or before the date that is in no earlier edition.\n' +
        'An edition is a draft until its first message goes out: run assemble again for its date to add the\n' +
        'ready briefs written since (--rebuild chooses them again from scratch). A sent edition is frozen.\n' +
        'Never makes a second edition for a date. Add an editor\'s note as the file\'s Markdown body.',
    )
    .action((opts: { date?: string; subject?: string; rebuild?: boolean }) =>
      run(async () => {
        if (opts.date !== undefined) checkDateFlag(opts.date);
        const config = ctx.config();
        const { openDatabase } = await import('../../store/db.js');
        const { messagesWentOut } = await import('../../delivery/log.js');
        const db = openDatabase(config.dataDir);
        let result;
        try {
          result = await assembleEdition(config, {
            ...(opts.date ? { date: opts.date } : {}),
            ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
            rebuild: Boolean(opts.rebuild),
            sentBefore: (id) => messagesWentOut(db, id),
          });
        } finally {
          db.close();
        }
        if (result.problems.length > 0) {
          const files = new Set(result.problems.map((p) => p.file)).size;
          ctx.log.warn(`${files} brief${files === 1 ? ' has' : 's have'} errors and ${files === 1 ? 'was' : 'were'} left out; run 'briefing check'`);
        }
        const e = result.edition;
        if (result.status === 'written' && e) {
          ctx.log.info(`${result.file}: edition #${e.number} of ${e.date} with ${e.briefs.length} brief${e.briefs.length === 1 ? '' : 's'}`);
          ctx.log.warn('Add an editor\'s note as its Markdown body if you like, then build and send.');
        } else if (result.status === 'updated' && e) {
          const what = [result.added?.length ? `added ${result.added.join(', ')}` : '', result.removed?.length ? `took out ${result.removed.join(', ')}` : ''].filter(Boolean).join('; ');
          ctx.log.info(`${result.file}: draft edition #${e.number} of ${e.date}, now ${e.briefs.length} brief${e.briefs.length === 1 ? '' : 's'} (${what})`);
        } else if (result.status === 'unchanged' && e) {
          ctx.log.info(`${result.file}: draft edition #${e.number} of ${e.date} already has every ready brief; nothing written (--rebuild chooses them again)`);
        } else if (result.status === 'exists' && e) {
          ctx.log.info(`${result.file}: edition #${e.number} of ${e.date} was sent${e.sent_at ? ` (${e.sent_at})` : ''} and is frozen; nothing written. A later date makes the next edition`);
        } else {
          ctx.log.info(`nothing to assemble: no ready brief dated on or before ${result.date} is waiting for an edition`);
        }
        return EXIT.ok;
      }),
    );
}
