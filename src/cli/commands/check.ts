import type { Command } from 'commander';
import { loadBriefs } from '../../briefs/load.js';
import { formatProblem, hasErrors } from '../../problems.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

export function registerCheck(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('check')
    .description('validate briefs and print every problem as path:line:col: message')
    .argument('[paths...]', 'brief files or folders', ['briefs'])
    .option('--quiet', 'print errors only, not warnings')
    .addHelpText('after', '\nExit status: 0 when every brief is valid (warnings allowed), 1 otherwise.')
    .action((paths: string[], opts: { quiet?: boolean }) =>
      run(async () => {
        const config = ctx.config();
        const result = await loadBriefs(paths, config.themes);
        const shown = opts.quiet ? result.problems.filter((p) => p.severity === 'error') : result.problems;
        for (const p of shown) ctx.log.info(formatProblem(p));
        const errors = result.problems.filter((p) => p.severity === 'error').length;
        const warnings = result.problems.length - errors;
        const badFiles = new Set(result.problems.filter((p) => p.severity === 'error').map((p) => p.file)).size;
        ctx.log.warn(
          `${result.files} brief${result.files === 1 ? '' : 's'} checked: ` +
            `${result.files - badFiles} valid, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
        );
        return hasErrors(result.problems) ? EXIT.problem : EXIT.ok;
      }),
    );
}
