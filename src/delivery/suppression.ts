/**
 * One place where what happened to a message becomes what happens to its
 * subscriber, whether the news came as an SMTP answer during the send, a
 * bounce report (DSN) or complaint (ARF) later, or a provider's webhook:
 *   hard bounce → suppressed at once;
 *   soft bounce or an unknown refusal → suppressed after soft_bounce_limit
 *     editions in a row (an unknown refusal never on its first);
 *   blocked → nobody is suppressed (the sender or the message was refused);
 *   complaint → unsubscribed at once.
 * Every event is kept with its raw text, so a suppression can be undone.
 */
import { nowIso, type Db } from '../store/db.js';
import type { AnswerClass } from './answers.js';
import { findSubscriber, getSubscriber, suppressSubscriber, unsubscribeSubscriber, type Subscriber } from './subscribers.js';

/** `connection`: no answer at all (refused, timed out, dropped); kept for the record, applied to nobody. */
export type EventKind = AnswerClass | 'connection' | 'complaint';
export type EventSource = 'smtp' | 'dsn' | 'arf' | 'webhook';

export interface DeliveryEvent {
  source: EventSource;
  kind: EventKind;
  subscriberId: number;
  editionId?: string | undefined;
  /** The enhanced status code, when there was one. */
  status?: string | undefined;
  /** The raw answer or report line. */
  response: string;
  /** For reports from outside: the same key applies once, however often the report arrives. */
  key?: string | undefined;
}

export interface SuppressionPolicy {
  /** delivery.soft_bounce_limit */
  softBounceLimit: number;
}

/** Keeps an event for the record without applying it (a failed attempt that will be retried). False for a duplicate key. */
export function logEvent(db: Db, event: DeliveryEvent): boolean {
  return (
    db
      .prepare(
        `INSERT OR IGNORE INTO delivery_events (key, source, kind, edition_id, subscriber_id, status, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(event.key ?? null, event.source, event.kind, event.editionId ?? null, event.subscriberId, event.status ?? null, event.response.slice(0, 1000), nowIso()).changes > 0
  );
}

/**
 * Records the event and applies it to the subscriber. 'duplicate' when an
 * event with its key was recorded before (nothing is applied twice).
 */
export function recordEvent(db: Db, event: DeliveryEvent, policy: SuppressionPolicy): 'applied' | 'duplicate' {
  if (!logEvent(db, event)) return 'duplicate';
  const where = event.editionId ? ` on edition ${event.editionId}` : '';
  switch (event.kind) {
    case 'hard':
      suppressIfActive(db, event.subscriberId, `hard bounce${where}: ${event.response}`);
      break;
    case 'soft':
    case 'unknown':
      countSoftBounce(db, event, event.kind === 'unknown' ? Math.max(2, policy.softBounceLimit) : policy.softBounceLimit);
      break;
    case 'complaint':
      unsubscribeSubscriber(db, event.subscriberId);
      break;
    case 'blocked':
    case 'connection':
      break;
  }
  return 'applied';
}

/** After a message was accepted: the soft-bounce run is over. Called only for subscribers with a count. */
export function clearSoftBounces(db: Db, subscriberId: number): void {
  db.prepare('UPDATE subscribers SET soft_bounces = 0, soft_bounce_edition = NULL WHERE id = ?').run(subscriberId);
}

function suppressIfActive(db: Db, id: number, reason: string): void {
  const status = getSubscriber(db, id)?.status;
  if (status === 'confirmed' || status === 'pending') suppressSubscriber(db, id, reason);
}

function countSoftBounce(db: Db, event: DeliveryEvent, limit: number): void {
  // One edition counts once: a second `send` of the same edition that soft-bounces again is the same run.
  const row = db
    .prepare(
      `UPDATE subscribers SET soft_bounces = soft_bounces + 1, soft_bounce_edition = ?
       WHERE id = ? AND soft_bounce_edition IS NOT ? RETURNING soft_bounces`,
    )
    .get(event.editionId ?? `event-${Date.now()}`, event.subscriberId, event.editionId ?? null) as { soft_bounces: number } | undefined;
  if (row && row.soft_bounces >= limit) {
    suppressIfActive(db, event.subscriberId, `soft-bounced ${row.soft_bounces} editions in a row; last${event.editionId ? ` (edition ${event.editionId})` : ''}: ${event.response}`);
  }
}

export interface RestoreOutcome {
  subscriber: Subscriber;
  /** The events that led to the suppression, newest first (what the operator is overruling). */
  events: { kind: string; source: string; edition_id: string | null; response: string; created_at: string }[];
}

/** A suppressed address back on the list, its soft-bounce count cleared; undefined when it is not suppressed. */
export function restoreSubscriber(db: Db, email: string): RestoreOutcome | undefined {
  const subscriber = findSubscriber(db, email);
  if (!subscriber || subscriber.status !== 'suppressed') return undefined;
  const events = db
    .prepare(`SELECT kind, source, edition_id, response, created_at FROM delivery_events WHERE subscriber_id = ? AND kind IN ('hard', 'soft', 'unknown') ORDER BY id DESC LIMIT 10`)
    .all(subscriber.id) as RestoreOutcome['events'];
  const now = nowIso();
  db.transaction(() => {
    db.prepare(`UPDATE subscribers SET status = 'confirmed', suppressed_reason = NULL, soft_bounces = 0, soft_bounce_edition = NULL, updated_at = ? WHERE id = ?`).run(now, subscriber.id);
    db.prepare(`INSERT INTO delivery_events (source, kind, subscriber_id, response, created_at) VALUES ('operator', 'restored', ?, ?, ?)`).run(subscriber.id, `restored by the operator (was: ${subscriber.suppressedReason ?? 'suppressed'})`, now);
  })();
  return { subscriber: getSubscriber(db, subscriber.id)!, events };
}
