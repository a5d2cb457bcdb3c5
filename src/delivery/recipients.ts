/**
 * The recipients stream: the delivery rows still to send for one edition,
 * read from SQLite a page at a time in subscriber order, so a list of any
 * size costs one page of memory. The cursor is the last subscriber id read,
 * so rows whose status changes while the send runs are neither skipped nor
 * read twice.
 */
import type { Db } from '../store/db.js';
import type { DeliveryStatus } from './log.js';

export interface Recipient {
  subscriber_id: number;
  /** What the message names the subscriber by (links, Message-ID, VERP). */
  public_id: string;
  status: DeliveryStatus;
  attempts: number;
  email: string;
  name: string;
  themes: string;
  requested_at: string | null;
  /** Editions in a row that soft-bounced for them (cleared by the next message accepted). */
  soft_bounces: number;
}

export interface RecipientStream {
  /** The next recipient, or undefined once every page is read. */
  next(): Recipient | undefined;
}

export interface StreamOptions {
  /** Also stream the rows whose earlier attempt ended 'uncertain' (send --resend-uncertain). */
  includeUncertain?: boolean;
  pageSize?: number;
}

const PAGE = 500;

/** The statuses a run sends: 'sending' rows were in flight when an earlier run stopped. */
export const outstandingStatuses = (includeUncertain = false): DeliveryStatus[] =>
  includeUncertain ? ['pending', 'sending', 'failed', 'uncertain'] : ['pending', 'sending', 'failed'];

export function streamRecipients(db: Db, editionId: string, options: StreamOptions = {}): RecipientStream {
  const statuses = outstandingStatuses(options.includeUncertain).map((s) => `'${s}'`).join(', ');
  const page = db.prepare(
    `SELECT d.subscriber_id, d.status, d.attempts, s.email, s.name, s.themes, s.requested_at, s.soft_bounces, s.public_id
     FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
     WHERE d.edition_id = ? AND d.status IN (${statuses}) AND s.status = 'confirmed' AND d.subscriber_id > ?
     ORDER BY d.subscriber_id LIMIT ${options.pageSize ?? PAGE}`,
  );
  let buffer: Recipient[] = [];
  let next = 0;
  let cursor = 0;
  let exhausted = false;
  return {
    next() {
      if (next === buffer.length && !exhausted) {
        buffer = page.all(editionId, cursor) as Recipient[];
        next = 0;
        if (buffer.length === 0) exhausted = true;
        else cursor = buffer.at(-1)!.subscriber_id;
      }
      return next < buffer.length ? buffer[next++] : undefined;
    },
  };
}

/** Delivery rows of confirmed subscribers by status, for the summary and the resume warning. */
export function countByStatus(db: Db, editionId: string): Partial<Record<DeliveryStatus, number>> {
  const rows = db
    .prepare(
      `SELECT d.status, COUNT(*) AS n FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.edition_id = ? AND s.status = 'confirmed' GROUP BY d.status`,
    )
    .all(editionId) as { status: DeliveryStatus; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
