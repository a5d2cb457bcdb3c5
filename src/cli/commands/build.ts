import type { Command } from 'commander';
import path from 'node:path';
import { hasErrors } from '../../problems.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

export function registerBuild(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('build')
    .description('build the web archive (pages, Atom feeds, search) into dist/, replacing it only when the build succeeds')
    .option('--out <dir>', 'output folder (default: dist/ beside the config file)')
    .option('--strict', 'build nothing and exit 1 when any brief or edition is invalid')
    .option('--no-search', 'skip the Pagefind search index')
    .option('--drafts', 'a local preview with the editions not yet sent and their briefs, into dist-drafts/ (marked, and noindex)')
    .addHelpText(
      'after',
      '\nInvalid briefs and drafts are left out and listed. The site is written beside the old one and swapped in,\n' +
        'so a failed build leaves the previous site as it was. Only sent editions and their briefs are public\n' +
        '(site.publish: on-date also shows those whose date has come); --drafts shows everything.\n\nExit status: 0 when built, 1 when the build failed (or, with --strict, when any brief is invalid).',
    )
    .action((opts: { out?: string; strict?: boolean; search: boolean; drafts?: boolean }) =>
      run(async () => {
        const config = ctx.config();
        // Loaded here, not at the top: Eleventy, Pagefind and MJML cost every other command ~1 s of start-up.
        const { buildArchive } = await import('../../archive/build.js');
        // --out is relative to where the writer stands, like every path on the command line.
        // A drafts build never lands where the public site is served from, unless asked to.
        const outDir = opts.out !== undefined ? path.resolve(opts.out) : opts.drafts ? path.join(config.root, 'dist-drafts') : undefined;
        const result = await buildArchive(config, { outDir, strict: Boolean(opts.strict), search: opts.search, drafts: Boolean(opts.drafts), log: ctx.log });
        return opts.strict && hasErrors(result.problems) ? EXIT.problem : EXIT.ok;
      }),
    );
}
