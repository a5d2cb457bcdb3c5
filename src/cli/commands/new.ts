import type { Command } from 'commander';
import { createBrief, type NewBriefOptions } from '../../briefs/create.js';
import type { Config } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { checkDateFlag } from '../dates.js';
import { addThemesOption, themesFrom, type ThemeFlags } from '../themes-option.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

interface NewOptions extends ThemeFlags {
  sourceName?: string;
  url?: string;
  fromUrl?: string;
  date?: string;
}

export function registerNew(program: Command, ctx: CommandContext, run: RunAction) {
  const command = program
    .command('new')
    .description('write a new draft brief with today\'s date and print its path')
    .argument('[title]', 'the brief\'s title (one line, at most 140 characters); with --from-url, the page\'s title by default');
  addThemesOption(command, 'required: its themes, the first the primary one')
    .option('--source-name <name>', 'the publication')
    .option('--url <url>', 'the article\'s URL (http or https)')
    .option('--from-url <url>', 'fetch the article and fill the title and source (name, url, published, author, language, original title) from its own metadata')
    .option('--date <YYYY-MM-DD>', 'the brief\'s date (default: today)')
    .addHelpText(
      'after',
      '\n--from-url reads Open Graph and article tags, JSON-LD, the canonical link and <html lang>; whatever the page\n' +
        'does not say stays out of the brief. When the page is in another language than site.language, its title\n' +
        'becomes source.original_title (write your own title as the argument).',
    )
    .action((titleArg: string | undefined, opts: NewOptions) =>
      run(async () => {
        const config = ctx.config();
        // The flags are checked as flags, before anything is fetched or written.
        const themes = themesFrom(opts, config, { asGiven: true });
        if (!themes) throw new UsageError(`--themes is required: name the brief's themes, the primary one first (themes: ${config.themes.map((t) => t.slug).join(', ')})`);
        if (opts.date !== undefined) checkDateFlag(opts.date);
        const fields = opts.fromUrl ? await fromPage(config, opts.fromUrl, titleArg, ctx) : { title: titleArg };
        if (!fields.title) throw new UsageError('give the brief a title: briefing new "<title>" --themes <slug>');
        // What the writer typed wins over what the page says.
        const file = await createBrief(config, {
          ...fields,
          themes,
          ...(opts.sourceName ? { sourceName: opts.sourceName } : {}),
          ...(opts.url ? { url: opts.url } : {}),
          ...(opts.date ? { date: opts.date } : {}),
          title: fields.title,
        });
        ctx.log.info(file);
        // The path alone on stdout (for scripts); what to do next on stderr.
        ctx.log.warn(`Next: write its summary, key points and why it matters in ${file}, set status: ready, then run briefing check ${file} and briefing assemble.`);
        return EXIT.ok;
      }),
    );
}

/** The brief's fields from the article's page; the writer's own title and source name win. */
async function fromPage(config: Config, url: string, title: string | undefined, ctx: CommandContext): Promise<Partial<NewBriefOptions>> {
  const { fetchPageFacts } = await import('../../briefs/from-url.js');
  const page = await fetchPageFacts(url, { timeoutMs: config.preflight.link_timeout_ms, userAgent: `Briefing (+${config.site.base_url})` });
  const primary = (tag: string) => tag.split('-')[0];
  const foreign = page.language !== undefined && primary(page.language) !== primary(config.site.language);
  const fields: Partial<NewBriefOptions> = {
    title: title ?? page.title,
    url: page.url,
    ...(page.siteName ? { sourceName: page.siteName } : {}),
    ...(page.published ? { published: page.published } : {}),
    ...(page.author ? { author: page.author } : {}),
    ...(page.language ? { language: page.language } : {}),
    ...(foreign && page.title ? { originalTitle: page.title } : {}),
  };
  const said: Record<string, string | undefined> = {
    title: page.title,
    'source.name': page.siteName,
    'source.url': page.url,
    'source.published': page.published,
    'source.author': page.author,
    'source.language': page.language,
    ...(foreign ? { 'source.original_title': page.title } : {}),
  };
  const keys = Object.keys(said);
  const missing = keys.filter((k) => said[k] === undefined);
  ctx.log.warn(`From ${page.url}: ${keys.filter((k) => said[k] !== undefined).join(', ')}${missing.length ? `; the page does not give ${missing.join(', ')}` : ''}.`);
  return fields;
}
