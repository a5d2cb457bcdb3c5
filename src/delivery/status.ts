/** `briefing status`: what became of each edition's messages, from the delivery log and its events. */
import type { Db } from '../store/db.js';

export interface EditionStatus {
  edition: string;
  /** Accepted by the relay (and not bounced since). */
  sent: number;
  /** Refused for policy, authentication, content or reputation; sent again by the next `send`. */
  blocked: number;
  bounced: { hard: number; soft: number };
  complaints: number;
  /** Ended this edition's last run without being accepted (blocks included). */
  failed: number;
  pending: number;
  uncertain: number;
  /** The most common failure answers, from every attempt. */
  topAnswers: { answer: string; count: number }[];
}

export interface MissingRecipient {
  email: string;
  /** The delivery row's status, or `none`: the subscriber had no row for the edition. */
  status: string;
  why: string;
}

export function editionStatuses(db: Db, edition?: string): EditionStatus[] {
  const ids = edition
    ? [edition]
    : (db.prepare('SELECT DISTINCT edition_id FROM deliveries ORDER BY edition_id DESC').all() as { edition_id: string }[]).map((r) => r.edition_id);
  const counts = db.prepare(
    `SELECT
       SUM(status = 'sent') AS sent, SUM(class = 'blocked') AS blocked, SUM(class = 'hard') AS hard,
       SUM(class IN ('soft', 'unknown')) AS soft, SUM(class = 'complaint') AS complaints, SUM(status = 'failed') AS failed,
       SUM(status IN ('pending', 'sending')) AS pending, SUM(status = 'uncertain') AS uncertain
     FROM deliveries WHERE edition_id = ?`,
  );
  const answers = db.prepare(
    `SELECT response AS answer, COUNT(*) AS count FROM delivery_events WHERE edition_id = ? AND kind != 'restored'
     GROUP BY response ORDER BY count DESC, answer LIMIT 5`,
  );
  return ids.map((id) => {
    const c = counts.get(id) as Record<string, number | null>;
    const n = (k: string) => c[k] ?? 0;
    return {
      edition: id,
      sent: n('sent'),
      blocked: n('blocked'),
      bounced: { hard: n('hard'), soft: n('soft') },
      complaints: n('complaints'),
      failed: n('failed'),
      pending: n('pending'),
      uncertain: n('uncertain'),
      topAnswers: answers.all(id) as { answer: string; count: number }[],
    };
  });
}

/** Who has not received the edition, and why: every row not accepted (or bounced since), and confirmed subscribers with no row. */
export function missingRecipients(db: Db, edition: string): MissingRecipient[] {
  const rows = db
    .prepare(
      `SELECT s.email, d.status, d.class, d.last_response FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.edition_id = ? AND (d.status != 'sent' OR d.class IN ('hard', 'soft', 'unknown')) ORDER BY s.email`,
    )
    .all(edition) as { email: string; status: string; class: string | null; last_response: string | null }[];
  const without = db
    .prepare(`SELECT email FROM subscribers WHERE status = 'confirmed' AND id NOT IN (SELECT subscriber_id FROM deliveries WHERE edition_id = ?) ORDER BY email`)
    .all(edition) as { email: string }[];
  return [
    ...rows.map((r) => ({ email: r.email, status: r.status, why: `${r.class ? `${r.class}: ` : ''}${r.last_response ?? (r.status === 'pending' ? 'not sent yet' : r.status)}` })),
    ...without.map((r) => ({ email: r.email, status: 'none', why: 'no delivery: follows none of the edition’s themes, or subscribed after it was sent' })),
  ];
}

export function formatStatus(s: EditionStatus): string[] {
  const lines = [
    `edition ${s.edition}: ${s.sent} sent, ${s.blocked} blocked, ${s.bounced.hard} hard bounced, ${s.bounced.soft} soft bounced, ` +
      `${s.complaints} complaint${s.complaints === 1 ? '' : 's'}, ${s.failed} failed, ${s.pending} pending, ${s.uncertain} uncertain`,
  ];
  for (const a of s.topAnswers) lines.push(`  ${String(a.count).padStart(5)} × ${a.answer}`);
  return lines;
}
