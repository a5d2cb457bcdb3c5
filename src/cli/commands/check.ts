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
        // A path that is not there is no brief with a problem at line 1: say so, and count only briefs.
        const missing = result.problems.filter((p) => p.code === 'not-found');
        const problems = result.problems.filter((p) => p.code !== 'not-found');
        const shown = opts.quiet ? problems.filter((p) => p.severity === 'error') : problems;
        for (const p of missing) ctx.log.info(`${p.file}: no such file or folder`);
        for (const p of shown) ctx.log.info(formatProblem(p));
        const errors = problems.filter((p) => p.severity === 'error').length;
        const warnings = problems.length - errors;
        const badFiles = new Set(problems.filter((p) => p.severity === 'error').map((p) => p.file)).size;
        const absent = missing.length > 0 ? ` (${missing.map((p) => p.file).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist)` : '';
        ctx.log.warn(
          `${result.files} brief${result.files === 1 ? '' : 's'} checked: ` +
            `${result.files - badFiles} valid, ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${absent}`,
        );
        return hasErrors(result.problems) ? EXIT.problem : EXIT.ok;
      }),
    );
}
