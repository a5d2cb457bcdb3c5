/**
 * Briefing as a service: the web server and the schedule in one process.
 * Starting checks the config and the secret, builds dist/ when it is missing
 * or stale (assembling the first edition on a fresh clone, so there is
 * something to look at), serves it, and starts ticking. Stopping stops the
 * ticks, lets a running send checkpoint, and closes the server.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildArchive } from '../archive/build.js';
import type { Config } from '../config/schema.js';
import { assembleEdition } from '../editions/assemble.js';
import { loadEditions } from '../editions/store.js';
import { resolveSecret } from '../delivery/tokens.js';
import { startServer, type RunningServer } from '../server/server.js';
import { debug, type Logger } from '../log.js';
import { displayPath } from '../paths.js';
import { openDatabase } from '../store/db.js';
import { holdLock, newOwnerId, SEND_LOCK } from '../store/lock.js';
import { InputError } from '../errors.js';

/** The lease a running service holds on its data folder. */
const SERVICE_LOCK = 'service';
import { createSchedule, type Slot } from '../schedule/plan.js';
import { createScheduler, type Scheduler } from '../schedule/scheduler.js';
import { runTick, type TickSummary } from '../schedule/tick.js';
import { interruptedEditions } from '../schedule/progress.js';
import { distState } from './freshness.js';

const trace = debug('service');

export interface ServiceOptions {
  log: Logger;
  /** Default: config.server.port (PORT in the environment overrides it in the config). */
  port?: number;
  host?: string;
  /** Default: <root>/dist. */
  distDir?: string;
  /** Called after every tick (tests wait on this rather than on time). */
  onTick?(summary: TickSummary): void;
  lockTtlMs?: number;
}

export interface Service {
  url: string;
  scheduler: Scheduler;
  next(): Slot;
  /** Idempotent: stops ticks, waits for a running one to checkpoint, closes the server and the database. */
  stop(): Promise<void>;
}

export async function startService(config: Config, options: ServiceOptions): Promise<Service> {
  const { log } = options;
  // Fail before serving anything: a bad schedule or a missing secret is a setup problem.
  const schedule = createSchedule(config.schedule.cron, config.schedule.timezone);
  const secret = resolveSecret(config);
  if (secret.devSecretFile) trace('using the local development secret in %s', secret.devSecretFile);

  const distDir = options.distDir ?? path.join(config.root, 'dist');
  const db = openDatabase(config.dataDir);
  const owner = newOwnerId();
  let server: RunningServer | undefined;
  let scheduler: Scheduler | undefined;
  // One service per data folder, for its whole life: a second would rebuild dist/ under the first and run a
  // second scheduler. (A killed one's lease lapses, at once when its process is gone.)
  const service = holdLock(db, SERVICE_LOCK, { owner, ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) });
  if (!service.lock) {
    db.close();
    const pid = service.holder.owner.split(':')[1];
    throw new InputError(
      'SERVICE_RUNNING',
      `another Briefing service${pid ? `, pid ${pid}` : ''} (${service.holder.owner}), uses ${displayPath(config.dataDir)}/; stop it first, or give this one a data folder of its own (BRIEFING_DATA_DIR)`,
    );
  }
  const serviceLock = service.lock;
  try {
    // Under the send lock: another service on this data directory may be assembling or building right now.
    const held = holdLock(db, SEND_LOCK, { owner, ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) });
    try {
      if (held.lock || !existsSync(distDir)) await prepareArchive(config, distDir, log);
      else log.info(`Another Briefing process (${held.holder.owner}) is working on this data directory; serving ${displayPath(distDir)} as it is.`);
    } finally {
      held.lock?.release();
    }

    const listening = await startServer(config, {
      distDir,
      port: options.port ?? config.server.port,
      host: options.host ?? config.server.host,
      log,
      // No shared connection: the server's own never waits inside SQLite for a lock (see withWrite in server.ts).
    });
    server = listening;
    // A server on every interface (0.0.0.0, ::) is reached on this machine as localhost.
    const url = listening.url.replace(/\/+$/, '').replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, 'http://localhost');

    scheduler = createScheduler({
      schedule,
      db,
      log,
      run: (slot, reason, signal, mode) =>
        runTick(config, {
          slot,
          reason,
          signal,
          db,
          owner,
          log,
          distDir,
          resumeOnly: mode === 'resume',
          ...(options.lockTtlMs ? { lockTtlMs: options.lockTtlMs } : {}),
        }),
      hasUnsent: () => interruptedEditions(db, config.delivery.resume_max_age).length > 0,
      onTick: (summary) => {
        if (summary.status === 'sent') log.info(`next tick: ${schedule.describe(schedule.next(new Date()).at)}`);
        options.onTick?.(summary);
      },
    });

    await printWhereToLook(config, { url, distDir, next: schedule.describe(schedule.next(new Date()).at), log });
    scheduler.start();

    let stopped: Promise<void> | undefined;
    const running = scheduler;
    return {
      url,
      scheduler: running,
      next: () => running.next(),
      stop: () =>
        (stopped ??= (async () => {
          await running.stop();
          await listening.close();
          serviceLock.release();
          db.close();
        })()),
    };
  } catch (error) {
    await scheduler?.stop();
    await server?.close();
    serviceLock.release();
    db.close();
    throw error;
  }
}

/**
 * On a fresh clone there is no edition and no dist/: assemble the first
 * edition from the sample briefs (the schedule sends it at the next tick)
 * and build, so the archive and the email preview have something to show.
 */
async function prepareArchive(config: Config, distDir: string, log: Logger): Promise<void> {
  const { editions, problems } = await loadEditions(config.editionsDir);
  if (editions.length === 0 && problems.length === 0) {
    const assembled = await assembleEdition(config, {});
    if (assembled.status === 'written') {
      log.info(
        `Assembled the first edition, #${assembled.edition!.number}, in ${assembled.file} from ${assembled.edition!.briefs.length} brief${assembled.edition!.briefs.length === 1 ? '' : 's'}; ` +
          `it is sent at the next tick (delete the file to hold it back). Editions are the record of what was sent: commit ${displayPath(config.editionsDir)}/ with your briefs.`,
      );
    }
  }
  const state = distState(config, distDir);
  if (state === 'fresh') return;
  log.info(state === 'missing' ? `Building the archive into ${displayPath(distDir)}…` : `The archive in ${displayPath(distDir)} is older than the briefs; rebuilding…`);
  try {
    await buildArchive(config, { outDir: distDir, log });
  } catch (error) {
    // A stale site is better than none: serve the old one and say why.
    if (state === 'stale') log.error(`rebuild failed, serving the previous archive: ${(error as Error).message}`);
    else throw error;
  }
}

async function printWhereToLook(config: Config, o: { url: string; distDir: string; next: string; log: Logger }): Promise<void> {
  const latest = (await loadEditions(config.editionsDir)).editions.at(-1);
  const preview = latest && existsSync(path.join(o.distDir, 'editions', latest.id, 'email.html')) ? `${o.url}/editions/${latest.id}/email.html` : undefined;
  const delivery = config.secrets.smtpUrl
    ? `SMTP (${safeSmtpHost(config.secrets.smtpUrl)})`
    : `.eml files in ${displayPath(path.join(config.dataDir, 'outbox'))} (set SMTP_URL to send real mail)`;
  o.log.info(
    [
      'Briefing is running.',
      `  Archive:        ${o.url}/`,
      `  Email preview:  ${preview ?? '(none yet: no edition has been assembled)'}`,
      `  Next tick:      ${o.next}  [cron "${config.schedule.cron}"]`,
      `  Delivery:       ${delivery}`,
      `  Data:           ${displayPath(config.dataDir)}`,
      'Stop with Ctrl+C (or SIGTERM): a send in progress finishes its messages in flight and resumes at the next start.',
    ].join('\n'),
  );
}

/** The SMTP host without credentials, for the banner. */
function safeSmtpHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'SMTP_URL';
  }
}
