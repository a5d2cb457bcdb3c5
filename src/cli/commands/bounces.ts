import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stages = async () => ({ ...(await import('../../bounces/import.js')), ...(await import('../../bounces/imap.js')), ...(await import('../../store/db.js')) });

export function registerBounces(program: Command, ctx: CommandContext, run: RunAction) {
  const bounces = program.command('bounces').description('bounces and complaints that came back after the relay accepted a message');
  registerImport(bounces, ctx, run);
  registerPoll(bounces, ctx, run);
}

function registerImport(bounces: Command, ctx: CommandContext, run: RunAction) {
  bounces
    .command('import')
    .description('apply the bounce reports (DSN) and complaints (ARF) in .eml files, an mbox or a Maildir')
    .argument('<path...>', 'an .eml file, an mbox file, a Maildir, or a folder of .eml files')
    .addHelpText(
      'after',
      '\nEach report is matched to the message it is about by its VERP address (delivery.bounce_domain) or by the\n' +
        "Message-ID it quotes. A hard bounce suppresses the address, soft ones count towards delivery.soft_bounce_limit,\n" +
        'a block suppresses nobody, and a complaint unsubscribes at once. Importing the same report again changes\n' +
        'nothing. Reports about other mail are listed and left alone.',
    )
    .action((paths: string[]) =>
      run(async () => {
        const { importReports, formatImportSummary, openDatabase } = await stages();
        const config = ctx.config();
        const db = openDatabase(config.dataDir);
        try {
          ctx.log.info(formatImportSummary(await importReports(db, config, paths, ctx.log)));
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}

function registerPoll(bounces: Command, ctx: CommandContext, run: RunAction) {
  bounces
    .command('poll')
    .description('read the unseen messages of the bounce mailbox (BOUNCE_IMAP_URL) now; the service does it at every tick')
    .action(() =>
      run(async () => {
        const { pollBounceMailbox, formatImportSummary, openDatabase } = await stages();
        const config = ctx.config();
        if (!config.secrets.bounceImapUrl) throw new UsageError('BOUNCE_IMAP_URL is not set (e.g. imaps://bounces:password@imap.example.org:993/INBOX)');
        const db = openDatabase(config.dataDir);
        try {
          ctx.log.info(formatImportSummary((await pollBounceMailbox(db, config, ctx.log))!));
          return EXIT.ok;
        } finally {
          db.close();
        }
      }),
    );
}
