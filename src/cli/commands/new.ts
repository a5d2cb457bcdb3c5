import type { Command } from 'commander';
import { createBrief } from '../../briefs/create.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerNew(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('new')
    .description('write a new draft brief with today\'s date and print its path')
    .argument('<title>', 'the brief\'s title (one line, at most 140 characters)')
    .requiredOption('-t, --theme <slug>', 'a theme; repeat for more (the first is the primary theme)', collect, [])
    .option('--source-name <name>', 'the publication')
    .option('--url <url>', 'the article\'s URL (http or https)')
    .option('--date <YYYY-MM-DD>', 'the brief\'s date (default: today)')
    .action((title: string, opts: { theme: string[]; sourceName?: string; url?: string; date?: string }) =>
      run(async () => {
        const file = await createBrief(ctx.config(), {
          title,
          themes: opts.theme,
          ...(opts.sourceName ? { sourceName: opts.sourceName } : {}),
          ...(opts.url ? { url: opts.url } : {}),
          ...(opts.date ? { date: opts.date } : {}),
        });
        ctx.log.info(file);
        // The path alone on stdout (for scripts); what to do next on stderr.
        ctx.log.warn(`Next: write its summary, key points and why it matters in ${file}, set status: ready, then run briefing check ${file} and briefing assemble.`);
        return EXIT.ok;
      }),
    );
}
