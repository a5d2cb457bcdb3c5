/**
 * A bounce or complaint report, applied: find the message it is about (its
 * VERP address, else our Message-ID quoted in it), read what it says
 * (answers.ts), and record it as the same events a send records
 * (suppression.ts). A report for a message that is not ours, or that names
 * another address, changes nothing and says why. The same report twice is
 * applied once.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { classifyAnswer } from '../delivery/answers.js';
import { messageIdFor } from '../delivery/mime.js';
import { subscriberByLinkId } from '../delivery/subscribers.js';
import { recordEvent, type EventKind, type EventSource } from '../delivery/suppression.js';
import { parseBounceAddress, type BounceTag } from '../delivery/verp.js';
import type { Db } from '../store/db.js';
import type { Report } from './parse.js';

export type ReportOutcome =
  | { result: 'applied'; kind: EventKind; email: string; editionId: string }
  | { result: 'duplicate' | 'delayed'; email: string }
  | { result: 'ignored'; why: string };

export interface ApplyOptions {
  /** Where the report came from: a mailbox ('dsn', complaints as 'arf') or a provider's signed webhook. */
  source: 'mailbox' | 'webhook';
}

export function applyReport(db: Db, config: Config, secret: string, report: Report, options: ApplyOptions = { source: 'mailbox' }): ReportOutcome[] {
  // A signed webhook is the provider's word: when it quotes no VERP address or Message-ID, its recipient
  // names the subscriber, and the latest edition sent to them the message. A mailbox report must be exact.
  const tag = identify(config, secret, report) ?? (options.source === 'webhook' ? byRecipient(db, report) : undefined);
  if (!tag) return [{ result: 'ignored', why: 'not about a message Briefing sent (no VERP address or Briefing Message-ID in it)' }];
  const subscriber = subscriberByLinkId(db, tag.subscriber);
  if (!subscriber) return [{ result: 'ignored', why: `about subscriber ${tag.subscriber}, who is no longer on the list` }];
  const email = subscriber.email.toLowerCase();
  const policy = { softBounceLimit: config.delivery.soft_bounce_limit };
  return report.entries.map((entry): ReportOutcome => {
    // A verified VERP address names the message even when the report names a forwarded address.
    if (!tag.verp && entry.recipient && entry.recipient !== email) return { result: 'ignored', why: `names ${entry.recipient}, not ${email}, the address the message went to` };
    if (entry.kind === 'delayed') return { result: 'delayed', email };
    const answer = entry.kind === 'complaint' ? undefined : classifyAnswer({ text: `${entry.status ?? ''} ${entry.diagnostic}`.trim(), code: 550 });
    const kind: EventKind = !answer ? 'complaint' : answer.class === 'unknown' && entry.hint ? entry.hint : answer.class;
    const key = createHash('sha256').update(`${report.id}\n${entry.recipient ?? email}\n${kind}\n${entry.status ?? ''}`).digest('hex');
    const status = entry.status ?? answer?.status;
    const source: EventSource = options.source === 'webhook' ? 'webhook' : entry.kind === 'complaint' ? 'arf' : 'dsn';
    const event = { source, kind, subscriberId: subscriber.id, editionId: tag.editionId, status, response: entry.diagnostic, key };
    const applied = db.transaction(() => {
      const result = recordEvent(db, event, policy);
      if (result === 'applied') markDelivery(db, tag.editionId, subscriber.id, kind, entry.diagnostic);
      return result;
    })();
    return applied === 'duplicate' ? { result: 'duplicate', email } : { result: 'applied', kind, email, editionId: tag.editionId };
  });
}

function identify(config: Config, secret: string, report: Report): (BounceTag & { verp: boolean }) | undefined {
  for (const address of report.envelopeAddresses) {
    const tag = parseBounceAddress(secret, address);
    if (tag) return { ...tag, verp: true };
  }
  const match = /^(\d{4}-\d{2}-\d{2})\.([0-9a-f]{18}|[1-9]\d{0,14})\./.exec(report.originalMessageId ?? '');
  if (!match) return undefined;
  const tag = { editionId: match[1]!, subscriber: match[2]! };
  return messageIdFor(tag.editionId, tag.subscriber, config.sender.address) === report.originalMessageId ? { ...tag, verp: false } : undefined;
}

function byRecipient(db: Db, report: Report): (BounceTag & { verp: boolean }) | undefined {
  const email = report.entries.find((e) => e.recipient)?.recipient;
  if (!email) return undefined;
  const row = db
    .prepare(
      `SELECT d.edition_id, s.public_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE s.email_key = ? AND d.status IN ('sent', 'bounced') ORDER BY d.edition_id DESC LIMIT 1`,
    )
    .get(email.toLowerCase()) as { edition_id: string; public_id: string } | undefined;
  return row ? { editionId: row.edition_id, subscriber: row.public_id, verp: false } : undefined;
}

/** The delivery row remembers the last word on it: a hard bounce after acceptance makes it 'bounced'. */
function markDelivery(db: Db, editionId: string, subscriberId: number, kind: EventKind, diagnostic: string): void {
  db.prepare(
    `UPDATE deliveries SET class = ?, last_response = ?, status = CASE WHEN ? = 'hard' THEN 'bounced' ELSE status END, updated_at = ?
     WHERE edition_id = ? AND subscriber_id = ?`,
  ).run(kind, diagnostic.slice(0, 500), kind, new Date().toISOString(), editionId, subscriberId);
}
