import path from 'node:path';
import type { Command } from 'commander';
import { displayPath } from '../../paths.js';
import { EXIT, type CommandContext, type RunAction } from '../context.js';
import { portOption } from './serve.js';

/** Loaded when the command runs, so other commands and --help do not pay for it. */
const stages = async () => ({
  ...(await import('../../archive/dev-watch.js')),
  ...(await import('../../server/server.js')),
  ...(await import('../../server/live-reload.js')),
});

export function registerDev(program: Command, ctx: CommandContext, run: RunAction) {
  program
    .command('dev')
    .description('build the archive into dist/ and rebuild as you edit, served with live reload and the subscriber pages (`npm run dev`)')
    .option('-p, --port <n>', 'port (default: PORT, else server.port in the config, 8080)')
    .option('--host <host>', 'address to listen on (default: server.host, 127.0.0.1)')
    .addHelpText('after', '\nNo mail leaves the machine unless SMTP_URL is set: confirmations go to <data dir>/outbox/confirmations/, with links back to this server.')
    .action((opts: { port?: string; host?: string }) =>
      run(async () => {
        const { watchArchive, startServer, createLiveReload } = await stages();
        const config = ctx.config();
        // Eleventy resolves the project's folders from the working directory (project-config.ts).
        process.chdir(config.root);
        const liveReload = createLiveReload();
        const port = portOption(opts.port);
        const distDir = path.join(config.root, 'dist');
        const server = await startServer(config, { distDir, log: ctx.log, liveReload, ...(port !== undefined ? { port } : {}), ...(opts.host ? { host: opts.host } : {}) });
        // Until the first build is done, the server shows whatever dist/ holds (or its 404 page).
        let stop: () => void = () => {};
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // Started by a parent that was killed outright (npm, a shell, an editor's task runner): stop too, or the
        // port stays taken by a process nobody sees.
        const parent = process.ppid;
        setInterval(() => process.ppid !== parent && stop(), 1000).unref();
        let builds = 0;
        const watch = await watchArchive({
          onBuilt: () => {
            if (builds++ === 0) ctx.log.info(`dev server at ${server.url}/: rebuilds as you edit ${displayPath(config.briefsDir)}/, ${displayPath(config.editionsDir)}/, templates and the config (Ctrl-C to stop)`);
            else ctx.log.info('rebuilt (search index included); open pages reload');
            liveReload.reload();
          },
        }).catch(async (error: unknown) => {
          await server.close();
          throw error;
        });
        await stopped;
        await Promise.all([watch.close(), server.close()]);
        ctx.log.info('dev server stopped.');
        return EXIT.ok;
      }),
    );
}
