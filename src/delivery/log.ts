/**
 * The delivery log: one row per (edition, subscriber).
 *   pending → sending → sent | failed | bounced | uncertain
 * 'sending' means handed to the transport with no answer recorded yet: after
 * a crash those rows are sent again (the only duplicates possible, at most
 * the number in flight = pool_size). 'uncertain' means the connection broke
 * after the whole message went out; it is sent again only on request.
 */
import type { Db } from '../store/db.js';
import { holdLock, type HeldLock, type LockHolder } from '../store/lock.js';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'bounced' | 'uncertain';

export type DeliveryCounts = Record<DeliveryStatus, number>;

export function deliveryCounts(db: Db, editionId: string): DeliveryCounts {
  const counts: DeliveryCounts = { pending: 0, sending: 0, sent: 0, failed: 0, bounced: 0, uncertain: 0 };
  const rows = db.prepare('SELECT status, COUNT(*) AS n FROM deliveries WHERE edition_id = ? GROUP BY status').all(editionId) as { status: DeliveryStatus; n: number }[];
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Whether any message of the edition went out (accepted, bounced, or maybe delivered): it is sent, and frozen. */
export function messagesWentOut(db: Db, editionId: string): boolean {
  return db.prepare(`SELECT 1 FROM deliveries WHERE edition_id = ? AND status IN ('sent', 'bounced', 'uncertain') LIMIT 1`).get(editionId) !== undefined;
}

/** `2d`, `36h` (delivery.resume_max_age) in milliseconds. */
export const durationMs = (text: string): number => Number(text.slice(0, -1)) * (text.endsWith('d') ? 86_400_000 : 3_600_000);

/**
 * When an interrupted send is stale: it has messages still waiting, and its first message went out longer
 * ago than `maxAge`. Returns how long ago, or undefined when it is not stale (or not interrupted).
 */
export function staleFor(db: Db, editionId: string, maxAge: string, now = Date.now()): number | undefined {
  const row = db
    .prepare(
      `SELECT MIN(CASE WHEN status IN ('sent', 'bounced', 'uncertain') THEN updated_at END) AS first, SUM(status IN ('pending', 'sending')) AS waiting
       FROM deliveries WHERE edition_id = ?`,
    )
    .get(editionId) as { first: string | null; waiting: number | null };
  if (!row.first || !row.waiting) return undefined;
  const age = now - Date.parse(row.first);
  return age > durationMs(maxAge) ? age : undefined;
}

export interface DeliveryRow {
  edition_id: string;
  subscriber_id: number;
  status: DeliveryStatus;
  attempts: number;
  /** What a failure meant (outcome.ts); null once sent. */
  class: string | null;
  last_response: string | null;
  message_id: string | null;
  updated_at: string;
}

export function deliveriesFor(db: Db, editionId: string): DeliveryRow[] {
  return db.prepare('SELECT * FROM deliveries WHERE edition_id = ? ORDER BY subscriber_id').all(editionId) as DeliveryRow[];
}

/**
 * Takes the per-edition send lock: a lease in the locks table, renewed by a heartbeat while the send runs
 * and owned by `host:pid:random`. A killed sender's lock lapses after its TTL (at once when its process is
 * gone from this host); a process that reuses its pid (common in containers) does not share its owner id,
 * so it never keeps the edition locked.
 */
export function acquireSendLock(db: Db, editionId: string): { ok: true; lock: HeldLock } | { ok: false; holder: LockHolder } {
  const held = holdLock(db, `send:${editionId}`);
  return held.lock ? { ok: true, lock: held.lock } : { ok: false, holder: held.holder };
}
