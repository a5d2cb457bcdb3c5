/**
 * Which tick is due, pure and with the clock passed in. The cron is matched
 * on wall-clock time (cron-parser over a DST-free "wall" timeline), and each
 * match is mapped to one real instant in the zone (zone.ts). A tick is
 * identified by that instant, so a wall time that exists twice, or two wall
 * times that land on one instant, can only ever be one tick.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { validate as nodeCronAccepts } from 'node-cron';
import { InputError } from '../errors.js';
import { formatInZone, formatWall, fromWall, offsetAt, toWall } from './zone.js';

export interface Slot {
  /** The tick's identity: its instant in UTC, ISO 8601. */
  key: string;
  at: Date;
  /** The wall-clock time the cron names, in the zone (`2026-03-08 02:30`). */
  wall: string;
  /** The local date of that wall time, YYYY-MM-DD: the edition's date. */
  date: string;
}

export interface Schedule {
  cron: string;
  timezone: string;
  /** The first tick strictly after `after`. */
  next(after: Date): Slot;
  /** The last tick at or before `atOrBefore`, or null if there is none in the past year. */
  previous(atOrBefore: Date): Slot | null;
  /** How many ticks fall in (after, until], counting at most `cap`. */
  count(after: Date, until: Date, cap?: number): number;
  /** A real instant shown in the schedule's zone, for people. */
  describe(instant: Date): string;
  /** A slot for any instant, off the schedule: a resume at start when no tick is due. */
  slotAt(instant: Date): Slot;
}

export interface TickPlan {
  /** The tick to run now: the latest one at or before now that is not done. */
  due: Slot | null;
  /** How many ticks were not run since the last done one (1 for an on-time tick). */
  missed: number;
  next: Slot;
}

const DAY = 86_400_000;
const YEAR = 366 * DAY;

/** Throws an InputError naming `schedule.cron` when the expression is not one cron-parser and node-cron can run. */
export function createSchedule(cron: string, timezone: string): Schedule {
  const expression = parseWall(cron, 0);
  // node-cron drives the live ticks, so the expression must mean the same to both.
  if (!nodeCronAccepts(cron)) {
    throw new InputError('CONFIG_INVALID', `schedule.cron "${cron}" is not an expression node-cron can run (use minute hour day month weekday, optionally with seconds first)`);
  }
  // A cron that can never match (e.g. 30 February) would loop forever later.
  try {
    expression.next();
  } catch (cause) {
    throw new InputError('CONFIG_INVALID', `schedule.cron "${cron}" never runs`, { cause });
  }

  const slot = (wall: number): Slot => {
    const at = new Date(fromWall(wall, timezone));
    return { key: at.toISOString(), at, wall: formatWall(wall), date: new Date(wall).toISOString().slice(0, 10) };
  };

  /**
   * How far wall time and instants can disagree near `instant` beyond the
   * usual offset: the size of any offset change within a day either side.
   */
  const slack = (instant: number): number => {
    const offsets = [offsetAt(instant - DAY, timezone), offsetAt(instant, timezone), offsetAt(instant + DAY, timezone)];
    return Math.max(...offsets) - Math.min(...offsets);
  };

  const next = (after: Date): Slot => {
    const t = after.getTime();
    const margin = slack(t);
    const from = toWall(t, timezone) - margin;
    const it = parseWall(cron, from - 1);
    let best: Slot | undefined;
    for (;;) {
      const wall = it.next().getTime();
      if (best && wall > from + 2 * margin) return best;
      const candidate = slot(wall);
      if (candidate.at.getTime() > t && (!best || candidate.at < best.at)) {
        best = candidate;
        if (margin === 0) return best;
      }
    }
  };

  const previous = (atOrBefore: Date): Slot | null => {
    const t = atOrBefore.getTime();
    const margin = slack(t);
    const from = toWall(t, timezone) + margin;
    const it = parseWall(cron, from + 1);
    let best: Slot | undefined;
    for (;;) {
      let wall: number;
      try {
        wall = it.prev().getTime();
      } catch {
        return best ?? null;
      }
      if (best && wall < from - 2 * margin) return best;
      if (!best && wall < from - YEAR) return null;
      const candidate = slot(wall);
      if (candidate.at.getTime() <= t && (!best || candidate.at > best.at)) {
        best = candidate;
        if (margin === 0) return best;
      }
    }
  };

  const count = (after: Date, until: Date, cap = 1000): number => {
    let n = 0;
    let cursor = after;
    while (n < cap) {
      const s = next(cursor);
      if (s.at > until) break;
      n += 1;
      cursor = s.at;
    }
    return n;
  };

  const slotAt = (instant: Date): Slot => {
    const wall = toWall(instant.getTime(), timezone);
    return { key: instant.toISOString(), at: new Date(instant), wall: formatWall(wall), date: new Date(wall).toISOString().slice(0, 10) };
  };

  return { cron, timezone, next, previous, count, slotAt, describe: (instant) => formatInZone(instant.getTime(), timezone) };
}

/**
 * What a tick should do now. `lastDone` is the instant of the last tick that
 * finished (or, on a fresh install, when the service first started: ticks
 * before Briefing was running are not owed). Any number of missed ticks
 * yields one due tick, the latest.
 */
export function planTick(schedule: Schedule, state: { now: Date; lastDone: Date | null }): TickPlan {
  const next = schedule.next(state.now);
  const latest = schedule.previous(state.now);
  if (!latest || !state.lastDone || latest.at <= state.lastDone) return { due: null, missed: 0, next };
  return { due: latest, missed: schedule.count(state.lastDone, state.now), next };
}

function parseWall(cron: string, wallMs: number): CronExpression {
  try {
    // The wall timeline is DST-free UTC by construction; the zone is applied in fromWall.
    return CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: new Date(wallMs) });
  } catch (cause) {
    throw new InputError('CONFIG_INVALID', `schedule.cron "${cron}" is not a valid cron expression: ${(cause as Error).message}`, { cause });
  }
}
