/**
 * One tick: load and check the briefs → assemble → build the archive and
 * emails → send → one summary line. The whole tick holds the send lock, so
 * two services (or a service and `run-now`) never assemble or send at once,
 * and is recorded in the ticks table so a restart knows what was done.
 */
import path from 'node:path';
import { loadProjectBriefs } from '../briefs/load.js';
import type { Config } from '../config/schema.js';
import { assembleEdition } from '../editions/assemble.js';
import { loadEditions } from '../editions/store.js';
import { isPublic } from '../editions/published.js';
import { todayIn } from '../briefs/create.js';
import { buildArchive } from '../archive/build.js';
import { messagesWentOut, staleFor } from '../delivery/log.js';
import { sendEdition } from '../delivery/send.js';
import { pollBounceMailbox } from '../bounces/imap.js';
import { preflightGate } from '../preflight/preflight.js';
import { formatImportSummary } from '../bounces/import.js';
import { formatError } from '../errors.js';
import { debug, type Logger } from '../log.js';
import { formatProblem } from '../problems.js';
import { openDatabase, type Db } from '../store/db.js';
import { holdLock, newOwnerId, SEND_LOCK, type LockHolder } from '../store/lock.js';
import { editionWasSent, interruptedEditions, unsentCount } from './progress.js';
import { finishTick, isSlotDone, pruneTicks, startTick, type TickReason, type TickResult } from './ticks.js';

const trace = debug('tick');

export type TickStatus = TickResult | 'locked' | 'already-done';

export interface TickSummary {
  status: TickStatus;
  /** The scheduled slot (UTC ISO), or the start time for run-now. */
  slot: string;
  reason: TickReason;
  /** The edition sent or resumed, if any. */
  edition?: string;
  /** What happened to the edition: a new one, one assembled earlier, or one whose sending was interrupted. */
  action?: 'new' | 'unsent' | 'resumed';
  /** Older editions whose interrupted sending this tick finished first (counted in sent/failed). */
  resumedOlder?: string[];
  sent: number;
  /** Failed or bounced. */
  failed: number;
  /** Connection lost after the message went out (see `briefing send --resend-uncertain`). */
  uncertain?: number;
  /** Messages still waiting (an interrupted send leaves them for the next tick). */
  pending: number;
  /** Briefs left out because they have errors. */
  badBriefs: number;
  durationMs: number;
  /** The one summary line that was logged. */
  line: string;
  /** Who holds the lock, when status is 'locked'. */
  holder?: LockHolder;
  error?: unknown;
}

export interface TickOptions {
  now?: Date;
  log: Logger;
  /** Aborting stops taking new messages: in-flight ones finish, the rest stay pending. */
  signal?: AbortSignal;
  /** The scheduled slot this tick is for; run-now leaves it out. */
  slot?: { key: string; date: string };
  reason?: TickReason;
  /** Reuse an open database (the service keeps one); otherwise opened and closed here. */
  db?: Db;
  owner?: string;
  /** Lock lifetime without a heartbeat (tests shorten it). */
  lockTtlMs?: number;
  /** Archive output folder (default <root>/dist). */
  distDir?: string;
  /** Clock for durations and records; defaults to the real one. */
  clock?: () => Date;
  /** Only finish interrupted sends: no assembly, no build (a resume at start, off the schedule). */
  resumeOnly?: boolean;
}

export async function runTick(config: Config, options: TickOptions): Promise<TickSummary> {
  const clock = options.clock ?? (() => new Date());
  const started = options.now ?? clock();
  // Durations come from the monotonic clock; `now` may be injected and fixed.
  const t0 = performance.now();
  const reason = options.reason ?? 'manual';
  const slot = options.slot?.key ?? started.toISOString();
  const owner = options.owner ?? newOwnerId();
  const db = options.db ?? openDatabase(config.dataDir);
  const base = { slot, reason, sent: 0, failed: 0, pending: 0, badBriefs: 0 };
  try {
    const held = holdLock(db, SEND_LOCK, { owner, ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) });
    if (!held.lock) {
      const line = `tick ${label(slot, reason)}: skipped, another Briefing process (${held.holder.owner}) is sending; it holds the lock until ${new Date(held.holder.expiresAt).toISOString()} unless renewed`;
      options.log.warn(line);
      return { ...base, status: 'locked', durationMs: 0, line, holder: held.holder };
    }
    const lock = held.lock;
    try {
      // Under the lock: another service may have finished this slot a moment ago.
      if (reason !== 'manual' && isSlotDone(db, slot)) {
        trace('slot %s already done', slot);
        return { ...base, status: 'already-done', durationMs: 0, line: '' };
      }
      const signal = options.signal ? AbortSignal.any([options.signal, lock.signal]) : lock.signal;
      const id = startTick(db, { slot, reason, owner, startedAt: started });
      const outcome = await pipeline(config, db, { ...options, signal, date: options.slot?.date, now: started });
      const finished = clock();
      const durationMs = Math.round(performance.now() - t0);
      const summary: TickSummary = { ...base, ...outcome, durationMs, line: '' };
      summary.line = summaryLine(summary);
      finishTick(db, id, {
        result: outcome.status,
        finishedAt: finished,
        editionId: outcome.edition,
        sent: outcome.sent,
        failed: outcome.failed,
        message: summary.error !== undefined ? formatError(summary.error) : summary.line,
      });
      if (outcome.status === 'nothing') pruneTicks(db);
      if (summary.status === 'failed') options.log.error(summary.line);
      else options.log.info(summary.line);
      return summary;
    } finally {
      lock.release();
    }
  } finally {
    if (!options.db) db.close();
  }
}

type Outcome = Pick<TickSummary, 'edition' | 'action' | 'resumedOlder' | 'sent' | 'failed' | 'uncertain' | 'pending' | 'badBriefs' | 'error'> & { status: TickResult };

async function pipeline(
  config: Config,
  db: Db,
  options: TickOptions & { signal: AbortSignal; date: string | undefined; now: Date },
): Promise<Outcome> {
  const counts = { sent: 0, failed: 0, uncertain: 0, pending: 0, badBriefs: 0 };
  let edition: string | undefined;
  let action: Outcome['action'];
  const resumedOlder: string[] = [];
  const archive = archiveStep(config, options);
  const send = async (id: string) => {
    const result = await sendEdition(config, { edition: id, log: quiet(options.log), signal: options.signal, db, progress: 'none', onMarkedSent: archive.published });
    counts.sent += result.sent;
    counts.failed += result.failed + result.bounced + result.blocked;
    counts.uncertain += result.uncertain;
  };
  /** Sends what is left of every interrupted edition except `except`, oldest first. */
  const finishInterrupted = async (except?: string) => {
    for (const id of interruptedEditions(db).filter((e) => e !== except)) {
      const stale = staleFor(db, id, config.delivery.resume_max_age);
      if (stale !== undefined) {
        options.log.warn(`edition ${id} began sending ${Math.round(stale / 3_600_000)} hours ago and was interrupted; not resumed, stale news should not reach readers this late (briefing send ${id} --resume-stale finishes it)`);
        continue;
      }
      if (options.signal.aborted) return;
      edition ??= id;
      action ??= 'resumed';
      await send(id);
      resumedOlder.push(id);
    }
  };
  const interruptedOutcome = (): Outcome => ({ status: 'interrupted', edition, action, resumedOlder, ...counts, pending: edition ? unsentCount(db, edition) : 0 });

  try {
    // 0. Bounces and complaints that came back since the last tick, so this send skips those addresses.
    //    A mailbox that cannot be read is logged and waits for the next tick; it never stops the send.
    await pollBounceMailbox(db, config, quiet(options.log)).then(
      (polled) => polled && polled.messages > 0 && options.log.info(`bounce mailbox: ${formatImportSummary(polled)}`),
      (error: unknown) => options.log.warn(formatError(error).replace(/^error: /, '')),
    );

    // 1. Briefs: a bad one is reported and left out, never blocking the rest.
    const loaded = await loadProjectBriefs(config);
    const errors = loaded.problems.filter((p) => p.severity === 'error');
    for (const p of errors) options.log.warn(`left out: ${formatProblem(p)}`);
    counts.badBriefs = new Set(errors.map((p) => p.file)).size;

    if (options.resumeOnly) {
      await finishInterrupted();
      if (options.signal.aborted && edition) return interruptedOutcome();
      return edition ? { status: 'sent', edition, action, resumedOlder, ...counts, pending: unsentCount(db, edition) } : { status: 'nothing', ...counts };
    }

    // 2. Assemble; when nothing is new, an interrupted or never-sent latest edition is still owed.
    let target: string | undefined;
    let targetAction: Outcome['action'];
    const assembled = await assembleEdition(config, { ...(options.date ? { date: options.date } : {}), now: options.now, sentBefore: (id) => messagesWentOut(db, id) });
    if (assembled.status === 'written' || assembled.status === 'updated') {
      target = assembled.edition!.id;
      targetAction = 'new';
    } else {
      const latest = assembled.edition ?? (await loadEditions(config.editionsDir)).editions.at(-1);
      if (latest && unsentCount(db, latest.id) > 0 && staleFor(db, latest.id, config.delivery.resume_max_age) === undefined) {
        target = latest.id;
        targetAction = 'resumed';
      } else if (latest && !editionWasSent(db, latest.id)) {
        target = latest.id;
        targetAction = 'unsent';
      }
    }

    // Older editions whose sending was interrupted are finished first: a restart owes them too.
    await finishInterrupted(target);
    if (options.signal.aborted) return interruptedOutcome();
    if (!target) return edition ? { status: 'sent', edition, action, resumedOlder, ...counts } : { status: 'nothing', ...counts };
    edition = target;
    action = targetAction;

    // The pre-send checks: an error fails the tick before anything goes out (`send --force` overrides it).
    if (action !== 'resumed') await preflightGate(config, target, { db, log: quiet(options.log) });

    // 3. The archive, now if the edition is public already (site.publish: on-date); otherwise it is built
    //    once the first message went out, while the rest go out. A resumed send already has its archive.
    const targetRecord = (await loadEditions(config.editionsDir)).editions.find((e) => e.id === target);
    if (action !== 'resumed' && targetRecord && isPublic(config, targetRecord, todayIn(config.schedule.timezone, options.now))) await archive.build();
    if (options.signal.aborted) return interruptedOutcome();

    // 4. Send. On abort, messages in flight finish and the rest stay pending for the next start.
    await send(target);
    await archive.settled();
    if (action !== 'resumed' && !archive.started() && !targetRecord?.sent_at) {
      options.log.warn(`edition ${target} went to nobody (no confirmed subscriber follows its themes); it stays a draft, off the archive until a message of it goes out (or set site.publish: on-date)`);
    }
    counts.pending = unsentCount(db, target);
    const status: TickResult = options.signal.aborted && counts.pending > 0 ? 'interrupted' : 'sent';
    return { status, edition, action, resumedOlder, ...counts };
  } catch (error) {
    return { status: 'failed', edition, action, resumedOlder, ...counts, error };
  }
}

/**
 * The tick's archive build: at most one per tick, started before the send or by the send's first accepted
 * message. One started by the send runs beside it; its failure is a warning, since the mail went out.
 */
function archiveStep(config: Config, options: TickOptions) {
  let building: Promise<unknown> | undefined;
  let during = false;
  // Step 1 already reported the bad briefs; the build's copy of those warnings goes to debug.
  const build = () => (building ??= buildArchive(config, { outDir: options.distDir ?? path.join(config.root, 'dist'), log: quiet(options.log, { warnings: false }) }));
  return {
    build: async () => void (await build()),
    published: () => {
      during = building === undefined;
      build().catch((error: unknown) => options.log.warn(`the archive could not be rebuilt after the edition went out, so it still shows the previous build: ${formatError(error).replace(/^error: /, '')}`));
    },
    started: () => building !== undefined,
    /** Waits for a build the send started (its failure was logged). */
    settled: async () => {
      if (during) await building!.catch(() => undefined);
    },
  };
}

/** Keeps a tick's output to its summary line and warnings: stages' progress goes to debug. */
function quiet(log: Logger, { warnings = true } = {}): Logger {
  const stage = debug('tick:stage');
  return { info: (m) => stage(m), warn: (m) => (warnings ? log.warn(m) : stage(m)), error: (m) => log.error(m) };
}

function label(slot: string, reason: TickReason): string {
  return reason === 'manual' ? `run-now ${slot}` : `${reason === 'catch-up' ? 'catch-up ' : ''}${slot}`;
}

function summaryLine(s: TickSummary): string {
  const head = `tick ${label(s.slot, s.reason)}:`;
  const took = `in ${(s.durationMs / 1000).toFixed(1)} s`;
  const older = s.resumedOlder?.length && !(s.resumedOlder.length === 1 && s.resumedOlder[0] === s.edition) ? ` (also finished the interrupted edition${s.resumedOlder.length === 1 ? '' : 's'} ${s.resumedOlder.join(', ')})` : '';
  const bad = s.badBriefs > 0 ? `; ${s.badBriefs} bad brief${s.badBriefs === 1 ? '' : 's'} left out (run \`briefing check\`)` : '';
  const what = s.action === 'resumed' ? 'resumed edition' : s.action === 'unsent' ? 'unsent edition' : 'edition';
  switch (s.status) {
    case 'nothing':
      return `${head} nothing new to send ${took}${bad}`;
    case 'sent':
      return `${head} ${what} ${s.edition}: ${s.sent} sent, ${s.failed} failed${s.uncertain ? `, ${s.uncertain} uncertain` : ''}${older} ${took}${bad}`;
    case 'interrupted':
      return `${head} ${what} ${s.edition}: interrupted, ${s.sent} sent, ${s.failed} failed, ${s.pending} left for the next start${older} ${took}${bad}`;
    case 'failed':
      return `${head} failed${s.edition ? ` (edition ${s.edition}: ${s.sent} sent, ${s.failed} failed)` : ''} ${took}: ${formatError(s.error).replace(/^error: /, '').replace(/\n\s*/g, ' ')}${bad}`;
    default:
      return `${head} ${s.status}`;
  }
}
