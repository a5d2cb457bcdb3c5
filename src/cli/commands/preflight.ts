import type { Command } from 'commander';
import { formatProblem, hasErrors } from '../../problems.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

export function registerPreflight(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('preflight')
    .description('run the pre-send checks of an edition: its briefs, reused and dead source links, the subject, and every variant of the email')
    .argument('<edition>', 'edition id (its date), its number, or "latest"')
    .addHelpText(
      'after',
      '\nThe same checks run before every send and at each tick; an error stops the send (send --force overrides).\n' +
        'Source links are fetched (preflight.check_links); without a network they are "could not check", a warning.\n' +
        'Exit status: 0 when the edition can be sent (warnings allowed), 1 when it has errors.',
    )
    .action((edition: string) =>
      run(async () => {
        const config = ctx.config();
        const [{ preflight }, { openDatabase }] = await Promise.all([import('../../preflight/preflight.js'), import('../../store/db.js')]);
        const db = openDatabase(config.dataDir);
        let result;
        try {
          result = await preflight(config, edition, { db });
        } finally {
          db.close();
        }
        for (const p of result.problems) ctx.log.info(formatProblem(p));
        const errors = result.problems.filter((p) => p.severity === 'error').length;
        const warnings = result.problems.length - errors;
        const e = result.edition;
        const checked = `${e.items.length} brief${e.items.length === 1 ? '' : 's'}, ${result.variants} variant${result.variants === 1 ? '' : 's'} rendered, ` +
          (config.preflight.check_links ? `${result.linksChecked} source link${result.linksChecked === 1 ? '' : 's'} fetched` : 'source links not fetched (preflight.check_links: false)');
        const verdict = errors > 0 ? `${errors} error${errors === 1 ? '' : 's'} stop the send` : 'ready to send';
        ctx.log.warn(`edition #${e.number} of ${e.date}: ${checked}; ${verdict}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
        return hasErrors(result.problems) ? EXIT.problem : EXIT.ok;
      }),
    );
}
