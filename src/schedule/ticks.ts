/**
 * The record of ticks in the database: a restart reads the last completed
 * scheduled tick from here to decide what to catch up.
 */
import type { Db } from '../store/db.js';

export type TickReason = 'scheduled' | 'catch-up' | 'manual';
export type TickResult = 'sent' | 'nothing' | 'failed' | 'interrupted';

export interface TickRow {
  id: number;
  slot: string;
  reason: TickReason;
  owner: string;
  started_at: string;
  finished_at: string | null;
  result: TickResult | null;
  edition_id: string | null;
  sent: number;
  failed: number;
  message: string | null;
}

export function startTick(db: Db, tick: { slot: string; reason: TickReason; owner: string; startedAt: Date }): number {
  const info = db
    .prepare('INSERT INTO ticks (slot, reason, owner, started_at) VALUES (?, ?, ?, ?)')
    .run(tick.slot, tick.reason, tick.owner, tick.startedAt.toISOString());
  return Number(info.lastInsertRowid);
}

export function finishTick(
  db: Db,
  id: number,
  outcome: { result: TickResult; finishedAt: Date; editionId?: string | undefined; sent?: number; failed?: number; message?: string | undefined },
): void {
  db.prepare('UPDATE ticks SET finished_at = ?, result = ?, edition_id = ?, sent = ?, failed = ?, message = ? WHERE id = ?').run(
    outcome.finishedAt.toISOString(),
    outcome.result,
    outcome.editionId ?? null,
    outcome.sent ?? 0,
    outcome.failed ?? 0,
    outcome.message ?? null,
    id,
  );
}

/**
 * The slot of the latest scheduled tick that finished. An interrupted tick
 * (shutdown mid-send) or one whose process died does not count: it is due
 * again and resumes. A failed tick counts, so a broken build is not retried
 * in a loop; the next tick, or `run-now`, tries again.
 */
export function lastDoneSlot(db: Db): Date | null {
  const row = db
    .prepare(
      `SELECT max(slot) AS slot FROM ticks
       WHERE reason != 'manual' AND finished_at IS NOT NULL AND result != 'interrupted'`,
    )
    .get() as { slot: string | null };
  return row.slot ? new Date(row.slot) : null;
}

export function isSlotDone(db: Db, slot: string): boolean {
  const row = db
    .prepare(
      `SELECT 1 FROM ticks WHERE slot = ? AND reason != 'manual' AND finished_at IS NOT NULL AND result != 'interrupted' LIMIT 1`,
    )
    .get(slot);
  return row !== undefined;
}

/**
 * Forgets old ticks that found nothing to do, keeping the latest `keep` rows
 * of any kind: a per-minute schedule would otherwise add 500,000 rows a year.
 * Ticks that sent, failed or were interrupted are history and stay.
 */
export function pruneTicks(db: Db, keep = 1000): void {
  db.prepare(`DELETE FROM ticks WHERE result = 'nothing' AND id <= (SELECT max(id) FROM ticks) - ?`).run(keep);
}

export function recentTicks(db: Db, limit = 20): TickRow[] {
  return db.prepare('SELECT * FROM ticks ORDER BY id DESC LIMIT ?').all(limit) as TickRow[];
}

/**
 * When the schedule first ran on this data directory. Ticks before it are
 * not owed: a fresh install does not send the moment it starts.
 */
export function scheduleSince(db: Db, now: Date): Date {
  db.prepare(`INSERT OR IGNORE INTO service_state (key, value) VALUES ('schedule_since', ?)`).run(now.toISOString());
  const row = db.prepare(`SELECT value FROM service_state WHERE key = 'schedule_since'`).get() as { value: string };
  return new Date(row.value);
}

/** The instant catch-up counts from: the last finished tick, else when the schedule first started. */
export function catchUpFrom(db: Db, now: Date): Date {
  const done = lastDoneSlot(db);
  const since = scheduleSince(db, now);
  return done && done > since ? done : since;
}
