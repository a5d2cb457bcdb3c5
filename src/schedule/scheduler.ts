/**
 * The live schedule. node-cron fires at the cron's wall-clock times; a timer
 * armed for the planned next tick backs it up (node-cron never fires for a
 * wall time inside a DST gap, and fires twice for one inside an overlap).
 * Both only *ask* whether a tick is due: planTick and the ticks table answer,
 * so a tick runs once however often it is asked, and a missed tick is
 * caught up once at start.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../store/db.js';
import { debug, type Logger } from '../log.js';
import { planTick, type Schedule, type Slot } from './plan.js';
import { catchUpFrom, type TickReason } from './ticks.js';
import type { TickSummary } from './tick.js';

const trace = debug('scheduler');

/** setTimeout cannot wait longer than this; a longer wait is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The backup timer fires just after the tick, so node-cron normally gets there first. */
const BACKUP_DELAY_MS = 1_000;
/** When another process held the lock, ask again this much later (it may have been a run-now). */
const LOCKED_RETRY_MS = 60_000;

export type Trigger = 'start' | 'cron' | 'timer';
/** 'resume' finishes interrupted sends without assembling anything: it runs off the schedule. */
export type TickMode = 'tick' | 'resume';

export interface SchedulerOptions {
  schedule: Schedule;
  db: Db;
  log: Logger;
  /** Runs one tick for a slot (or, with mode 'resume', only finishes interrupted sends); it must honour the signal. */
  run(slot: Slot, reason: TickReason, signal: AbortSignal, mode: TickMode): Promise<TickSummary>;
  /** Injected clock for tests. */
  now?: () => Date;
  /** Called after each tick finishes, with its summary (for tests and the CLI). */
  onTick?(summary: TickSummary): void;
  /** Whether an edition's sending was interrupted: then start runs a tick even when none is due. */
  hasUnsent?(): boolean;
}

export interface Scheduler {
  /** Starts node-cron and the backup timer, and runs a missed tick once. */
  start(): void;
  /**
   * Asks whether a tick is due now and starts it. Returns the tick's promise,
   * or null when nothing is due, the service is stopping, or a tick is running
   * (a new slot arriving then is skipped and logged: ticks never overlap).
   */
  check(trigger: Trigger): Promise<TickSummary> | null;
  /** The next scheduled tick after now. */
  next(): Slot;
  /** The tick running now, if any. */
  readonly running: Promise<TickSummary> | null;
  /** Stops taking ticks, aborts a running one (in-flight messages finish) and waits for it. */
  stop(): Promise<void>;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { schedule, db, log } = options;
  const now = options.now ?? (() => new Date());
  let task: ScheduledTask | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  let current: { slot: Slot; promise: Promise<TickSummary>; controller: AbortController } | null = null;
  let skippedLogged: string | undefined;

  const arm = () => {
    if (stopping) return;
    clearTimeout(timer);
    const next = schedule.next(now());
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next.at.getTime() - now().getTime() + BACKUP_DELAY_MS));
    trace('backup timer for %s in %d ms', next.key, wait);
    timer = setTimeout(() => void scheduler.check('timer'), wait);
  };

  const scheduler: Scheduler = {
    start() {
      task = cronTask(schedule, () => void scheduler.check('cron'));
      void task.start();
      if (!scheduler.check('start') && options.hasUnsent?.()) {
        // Every tick is done, but a send was cut short (by a stop, or a `briefing send`): finish it now.
        log.info('resuming an edition whose sending was interrupted');
        void launch(schedule.slotAt(now()), 'catch-up', 'resume');
      }
      arm();
    },

    check(trigger) {
      if (stopping) return null;
      const at = now();
      const plan = planTick(schedule, { now: at, lastDone: catchUpFrom(db, at) });
      if (current) {
        if (plan.due && plan.due.key !== current.slot.key && skippedLogged !== plan.due.key) {
          skippedLogged = plan.due.key;
          log.warn(`tick ${plan.due.key} (${plan.due.wall} ${schedule.timezone}) waits: the tick for ${current.slot.key} is still running, and ticks never overlap`);
        }
        return null;
      }
      if (!plan.due) {
        trace('%s: nothing due (next %s)', trigger, plan.next.key);
        arm();
        return null;
      }
      // On time means now, give or take node-cron's latency; ticks skipped because one was running were logged then.
      const late = at.getTime() - plan.due.at.getTime() > 60_000;
      const reason: TickReason = trigger === 'start' || late ? 'catch-up' : 'scheduled';
      if (reason === 'catch-up') log.info(catchUpLine(plan.due, plan.missed, trigger, schedule.timezone));
      return launch(plan.due, reason);
    },

    next: () => schedule.next(now()),

    get running() {
      return current?.promise ?? null;
    },

    async stop() {
      stopping = true;
      clearTimeout(timer);
      if (task) await task.destroy();
      if (current) {
        current.controller.abort(new Error('shutting down'));
        await current.promise;
      }
    },
  };

  function launch(slot: Slot, reason: TickReason, mode: TickMode = 'tick'): Promise<TickSummary> {
    const controller = new AbortController();
    const promise = options
      .run(slot, reason, controller.signal, mode)
      .catch((error: unknown): TickSummary => {
        // runTick reports its own failures; this is a bug guard so the service keeps running.
        log.error(`tick ${slot.key} crashed: ${(error as Error)?.message ?? String(error)}`);
        return crashed(slot, reason, error);
      })
      .then((summary) => {
        current = null;
        options.onTick?.(summary);
        if (summary.status === 'locked' && !stopping) {
          clearTimeout(timer);
          timer = setTimeout(() => void scheduler.check('timer'), LOCKED_RETRY_MS);
        } else if (!stopping) {
          // A tick that came due while this one ran has waited: run it now (only the latest, once).
          const due = planTick(schedule, { now: now(), lastDone: catchUpFrom(db, now()) }).due;
          if (!due || due.key === slot.key || !scheduler.check('timer')) arm();
        }
        return summary;
      });
    current = { slot, promise, controller };
    return promise;
  }

  return scheduler;
}

/** What the log says when a tick runs late: once, however many were missed. */
function catchUpLine(slot: Slot, missed: number, trigger: Trigger, timezone: string): string {
  const why = trigger === 'start' ? 'while Briefing was not running' : 'while the machine was asleep or busy';
  const when = `${slot.wall} ${timezone}`;
  return missed > 1
    ? `catching up: ${missed >= 1000 ? '1000 or more' : missed} ticks were missed ${why}; running the latest (${when}) once`
    : `catching up: the tick at ${when} was missed or did not finish; running it now`;
}

const crashed = (slot: Slot, reason: TickReason, error: unknown): TickSummary => ({
  status: 'failed', slot: slot.key, reason, sent: 0, failed: 0, pending: 0, badBriefs: 0, durationMs: 0, line: '', error,
});

function cronTask(schedule: Schedule, onTick: () => void): ScheduledTask {
  return cron.createTask(schedule.cron, onTick, {
    timezone: schedule.timezone,
    name: 'briefing',
    // The callback returns at once; the guard in check() is what keeps ticks from overlapping (and logs it).
    noOverlap: true,
    // A late node-cron callback is harmless here: the tick is planned from the clock, not from it.
    suppressMissedWarning: true,
  });
}
