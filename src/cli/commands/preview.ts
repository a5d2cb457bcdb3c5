import { formatSize } from '../../units.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { displayPath } from '../../paths.js';
import { formatProblem } from '../../problems.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';
import { addThemesOption, themesFrom, type ThemeFlags } from '../themes-option.js';
import type { RenderStats } from '../../render/email.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stages = () =>
  Promise.all([import('../../editions/published.js'), import('../../render/email.js'), import('../../render/email-files.js'), import('../../render/variant.js')]);

export function registerPreview(program: Command, ctx: CommandContext, run: RunAction) {
  const command = program
    .command('preview')
    .description('render an edition\'s email (HTML, or --text) as a subscriber would get it')
    .argument('<edition>', 'edition id (its date, e.g. 2026-11-23), its number, or "latest"');
  addThemesOption(command, 'the themes the reader follows (default: all)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--text', 'the plain-text part instead of the HTML')
    .action((id: string, opts: ThemeFlags & { out?: string; text?: boolean }) =>
      run(async () => {
        const [{ loadEdition }, { renderEmailVariant }, { samplePersonalData }, { personalize }] = await stages();
        const config = ctx.config();
        const themes = themesFrom(opts, config) ?? config.themes.map((t) => t.slug);
        const { edition, problems } = await loadEdition(config, id);
        // A brief left out of the preview (broken, missing, not ready) is named, as `build` names it.
        for (const p of problems) ctx.log.warn(formatProblem(p));
        let stats: RenderStats | undefined;
        const variant = await renderEmailVariant(config, edition, themes, (s) => (stats = s));
        const personal = personalize(variant, samplePersonalData(config));
        const output = opts.text ? personal.text : personal.html;
        if (!opts.out) {
          ctx.log.info(output.trimEnd());
          return EXIT.ok;
        }
        await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
        await writeFile(opts.out, output);
        const s = stats!;
        ctx.log.info(displayPath(path.resolve(opts.out)));
        ctx.log.warn(
          `edition #${edition.number} (${variant.themes.join(', ')}): "${variant.subject}", ${formatSize(s.bytes)} HTML of ${formatSize(config.email.max_html_bytes)}, ` +
            `${s.shownItems} of ${s.totalItems} items in the email${s.shownItems < s.totalItems ? ' (the rest linked on the web)' : ''}`,
        );
        return EXIT.ok;
      }),
    );
}
