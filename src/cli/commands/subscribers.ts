import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { displayPath } from '../../paths.js';
import { formatProblem, hasErrors } from '../../problems.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';
import { addThemesOption, themesFrom, type ThemeFlags } from '../themes-option.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stages = async () => ({
  ...(await import('../../delivery/subscribers.js')),
  ...(await import('../../delivery/suppression.js')),
  ...(await import('../../delivery/themes.js')),
  ...(await import('../../store/db.js')),
});

export function registerSubscribers(program: Command, ctx: CommandContext, run: RunAction) {
  const subscribers = program
    .command('subscribers')
    .description('manage the subscriber list (<data dir>/briefing.db)')
    .addHelpText(
      'after',
      '\nAddresses are trimmed and their domain lowercased; addresses that differ only by case are one subscriber.\n' +
        'People added here or by import count as confirmed: you vouch that they asked to receive the briefing.\n' +
        'People who subscribe on the web are pending until they click the confirmation link.',
    );

  addCommand(subscribers, ctx, run);
  importCommand(subscribers, ctx, run);
  listCommand(subscribers, ctx, run);
  removeCommand(subscribers, ctx, run);
  restoreCommand(subscribers, ctx, run);
}

function addCommand(subscribers: Command, ctx: CommandContext, run: RunAction) {
  const command = subscribers
    .command('add')
    .description('add a confirmed subscriber (or update their name and themes)')
    .argument('<email>', 'the email address');
  addThemesOption(command, 'themes to follow (default: all, including future ones)')
    .option('--name <name>', 'the subscriber\'s name')
    .option('--force', 're-add an address that unsubscribed or bounced')
    .action((email: string, opts: ThemeFlags & { name?: string; force?: boolean }) =>
      run(async () => {
        const { addSubscriber, openDatabase } = await stages();
        const config = ctx.config();
        const themes = themesFrom(opts, config);
        const db = openDatabase(config.dataDir);
        try {
          const outcome = addSubscriber(db, { email, themes, source: 'cli', force: Boolean(opts.force), ...(opts.name !== undefined ? { name: opts.name } : {}) });
          if (outcome.action === 'refused') {
            ctx.log.error(`${outcome.reason} (use --force if they asked to come back)`);
            return EXIT.problem;
          }
          const s = outcome.subscriber;
          ctx.log.info(`${outcome.action} ${s.email} (confirmed, themes: ${s.themes.length ? s.themes.join(', ') : 'all'})`);
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}

function importCommand(subscribers: Command, ctx: CommandContext, run: RunAction) {
  subscribers
    .command('import')
    .description('import confirmed subscribers from a CSV file')
    .argument('<file.csv>', 'CSV with a header row: email,name,themes (name and themes optional)')
    .addHelpText(
      'after',
      '\nCSV format: a header row naming the columns (email required; name and themes optional, any order), then one\n' +
        'subscriber per row. Separate themes with ";" (or "," inside a quoted cell); leave the cell empty for all themes.\n\n' +
        '  email,name,themes\n  ada@example.org,Ada Lovelace,safety;open-source\n  grace@example.org,,\n\n' +
        'Bad rows are reported as file:line: message and skipped; the rest import. Exit status 1 if any row was bad.',
    )
    .action((file: string) =>
      run(async () => {
        const { importSubscribers, openDatabase } = await stages();
        const config = ctx.config();
        let bytes: Buffer;
        try {
          // Bytes, not text: a line that is not UTF-8 is reported, not silently mended.
          bytes = readFileSync(file);
        } catch (cause) {
          throw new InputError('SUBSCRIBER_INVALID', 'cannot read the file', { file, cause });
        }
        const db = openDatabase(config.dataDir);
        try {
          const result = importSubscribers(db, bytes, displayPath(file), config.themes);
          for (const p of result.problems) ctx.log.warn(formatProblem(p));
          const bad = result.problems.filter((p) => p.severity === 'error').length;
          ctx.log.info(`${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${bad} bad row${bad === 1 ? '' : 's'}`);
          return hasErrors(result.problems) ? EXIT.problem : EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}

function listCommand(subscribers: Command, ctx: CommandContext, run: RunAction) {
  subscribers
    .command('list')
    .description('list subscribers and their status')
    .option('--json', 'print JSON (one array)')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const { iterateSubscribers, openDatabase } = await stages();
        const db = openDatabase(ctx.config().dataDir);
        try {
          // Streamed, one line per subscriber: a list can be long. JSON is still one array.
          let n = 0;
          let held: string | undefined;
          if (opts.json) ctx.log.info('[');
          for (const s of iterateSubscribers(db)) {
            if (opts.json) {
              if (held !== undefined) ctx.log.info(held + ',');
              held = '  ' + JSON.stringify({ email: s.email, name: s.name, status: s.status, themes: s.themes, source: s.source, created_at: s.createdAt, confirmed_at: s.confirmedAt, unsubscribed_at: s.unsubscribedAt, suppressed_reason: s.suppressedReason });
            } else {
              ctx.log.info(`${s.status.padEnd(12)} ${s.email}  [${s.themes.length ? s.themes.join(', ') : 'all themes'}]${s.name ? `  ${s.name}` : ''}${s.suppressedReason ? `  (${s.suppressedReason})` : ''}`);
            }
            n += 1;
          }
          if (opts.json) {
            if (held !== undefined) ctx.log.info(held);
            ctx.log.info(']');
          } else ctx.log.warn(`${n} subscriber${n === 1 ? '' : 's'}`);
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}

function removeCommand(subscribers: Command, ctx: CommandContext, run: RunAction) {
  subscribers
    .command('remove')
    .description('delete a subscriber and their delivery history')
    .argument('<email>', 'the email address')
    .action((email: string) =>
      run(async () => {
        const { removeSubscriber, openDatabase } = await stages();
        const db = openDatabase(ctx.config().dataDir);
        try {
          if (!removeSubscriber(db, email)) {
            ctx.log.error(`${email.trim()} is not on the list`);
            return EXIT.problem;
          }
          ctx.log.info(`removed ${email.trim()}`);
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}

function restoreCommand(subscribers: Command, ctx: CommandContext, run: RunAction) {
  subscribers
    .command('restore')
    .description('put a suppressed address back on the list (a bounce that was not real), showing what suppressed it')
    .argument('<email>', 'the email address')
    .action((email: string) =>
      run(async () => {
        const { restoreSubscriber, findSubscriber, openDatabase } = await stages();
        const db = openDatabase(ctx.config().dataDir);
        try {
          const outcome = restoreSubscriber(db, email);
          if (!outcome) {
            const s = findSubscriber(db, email);
            ctx.log.error(s ? `${s.email} is ${s.status}, not suppressed; nothing to restore` : `${email.trim()} is not on the list`);
            return EXIT.problem;
          }
          for (const e of outcome.events) ctx.log.info(`  ${e.created_at} ${e.kind} (${e.source}${e.edition_id ? `, edition ${e.edition_id}` : ''}): ${e.response}`);
          ctx.log.info(`restored ${outcome.subscriber.email}: confirmed again, soft bounces cleared`);
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}
