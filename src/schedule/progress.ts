/**
 * What the schedule needs to know about an edition's delivery, read from the
 * delivery log: whether its sending was interrupted (rows still waiting) and
 * whether it was ever sent at all.
 */
import { deliveryCounts, staleFor } from '../delivery/log.js';
import type { Db } from '../store/db.js';

/** Rows not yet handed to the mail server: waiting, or claimed by a sender that stopped. */
export function unsentCount(db: Db, editionId: string): number {
  const counts = deliveryCounts(db, editionId);
  return counts.pending + counts.sending;
}

/**
 * An edition was sent when the delivery log has rows for it, or a tick sent
 * it to nobody (no subscribers yet). Either way it is never sent again by the
 * schedule, so a later subscriber does not get an old edition.
 */
export function editionWasSent(db: Db, editionId: string): boolean {
  const logged = db.prepare('SELECT 1 FROM deliveries WHERE edition_id = ? LIMIT 1').get(editionId);
  if (logged) return true;
  const ticked = db.prepare(`SELECT 1 FROM ticks WHERE edition_id = ? AND result = 'sent' LIMIT 1`).get(editionId);
  return ticked !== undefined;
}

/**
 * Editions with messages still waiting, oldest first (ids are dates). With `maxAge`
 * (delivery.resume_max_age), those whose send began longer ago are left out: the
 * schedule does not resume them (`send --resume-stale` does).
 */
export function interruptedEditions(db: Db, maxAge?: string): string[] {
  const rows = db
    .prepare(`SELECT DISTINCT edition_id FROM deliveries WHERE status IN ('pending', 'sending') ORDER BY edition_id`)
    .all() as { edition_id: string }[];
  return rows.map((r) => r.edition_id).filter((id) => maxAge === undefined || staleFor(db, id, maxAge) === undefined);
}
