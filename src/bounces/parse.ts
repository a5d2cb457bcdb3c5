/**
 * Reads a bounce or complaint report: a DSN (RFC 3464 multipart/report with
 * message/delivery-status), an ARF complaint (RFC 5965, message/feedback-
 * report), or the common plain-text bounce that names the failed address and
 * the remote server's answer. MIME is postal-mime's; the report fields are
 * RFC 822-style header groups, read here. Pure: bytes in, report out.
 */
import { createHash } from 'node:crypto';
import PostalMime, { type Email } from 'postal-mime';

export interface ReportEntry {
  /** `delayed`: still being retried (RFC 3464 Action: delayed); not a bounce yet. */
  kind: 'bounce' | 'delayed' | 'complaint';
  /** The address the report is about (Final-Recipient, Original-Rcpt-To), lowercased. */
  recipient?: string;
  /** The enhanced status code (Status:). */
  status?: string;
  /** The remote server's words (Diagnostic-Code), or the report's own line. */
  diagnostic: string;
  /** A provider's own verdict (a webhook's "permanent" or "transient"), used when the words say nothing clear. */
  hint?: 'hard' | 'soft' | 'blocked';
}

export interface Report {
  /** The report's own Message-ID, or a hash of its bytes: the same report imported twice counts once. */
  id: string;
  /** Addresses the report was sent to, where a VERP address would be (To, Delivered-To, Original-Mail-From…). */
  envelopeAddresses: string[];
  /** The Message-ID of the message it is about, when the report quotes it. */
  originalMessageId?: string;
  entries: ReportEntry[];
}

/** Parses one message; undefined when it is no bounce or complaint report at all. */
export async function parseReport(raw: Buffer): Promise<Report | undefined> {
  const mail = await PostalMime.parse(raw);
  const part = (...types: string[]) => mail.attachments.find((a) => types.includes(a.mimeType.toLowerCase()));
  const text = (a: { content: ArrayBuffer | Uint8Array | string } | undefined) => (a ? (typeof a.content === 'string' ? a.content : Buffer.from(a.content as ArrayBuffer).toString('utf8')) : '');
  const id = mail.messageId?.replace(/^<|>$/g, '') || createHash('sha256').update(raw).digest('hex');
  const envelopeAddresses = addressesOf(mail);
  const original = part('message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers');
  const originalMessageId = (original ? messageIdIn(text(original)) : undefined) ?? messageIdIn(mail.text ?? '');

  const feedback = part('message/feedback-report');
  if (feedback) {
    const [fields = {}] = fieldGroups(text(feedback));
    if (fields['original-mail-from']) envelopeAddresses.push(bare(fields['original-mail-from']));
    const recipient = fields['original-rcpt-to'] ? bare(fields['original-rcpt-to']) : undefined;
    const diagnostic = `complaint (${fields['feedback-type'] ?? 'abuse'})${fields['user-agent'] ? ` from ${fields['user-agent']}` : ''}`;
    return { id, envelopeAddresses, ...(originalMessageId ? { originalMessageId } : {}), entries: [{ kind: 'complaint', ...(recipient ? { recipient } : {}), diagnostic }] };
  }

  const status = part('message/delivery-status', 'message/global-delivery-status');
  const entries = status ? dsnEntries(text(status)) : looksLikeBounce(mail) ? plainEntries(mail.text ?? '') : [];
  if (entries.length === 0) return undefined;
  return { id, envelopeAddresses, ...(originalMessageId ? { originalMessageId } : {}), entries };
}

/** RFC 3464: a group for the message, then one per recipient (Final-Recipient, Action, Status, Diagnostic-Code). */
function dsnEntries(body: string): ReportEntry[] {
  const entries: ReportEntry[] = [];
  for (const f of fieldGroups(body)) {
    const action = f['action']?.toLowerCase();
    if (!action || !f['final-recipient']) continue;
    // delivered, relayed and expanded are success notices; only failed and delayed concern us.
    if (action !== 'failed' && action !== 'delayed') continue;
    const recipient = bare(f['final-recipient'].replace(/^[^;]*;/, ''));
    const statusCode = /\d\.\d{1,3}\.\d{1,3}/.exec(f['status'] ?? '')?.[0];
    const diagnostic = (f['diagnostic-code'] ?? '').replace(/^[^;]*;\s*/, '') || f['status'] || action;
    entries.push({ kind: action === 'failed' ? 'bounce' : 'delayed', recipient, ...(statusCode ? { status: statusCode } : {}), diagnostic });
  }
  return entries;
}

const BOUNCE_SENDER = /mailer-daemon|postmaster|mail delivery/i;
const BOUNCE_SUBJECT = /undeliver|delivery (status notification|failure|failed|has failed)|returned mail|failure notice|mail delivery failed|could not be delivered/i;

function looksLikeBounce(mail: Email): boolean {
  const from = `${mail.from?.name ?? ''} ${mail.from?.address ?? ''}`;
  return BOUNCE_SENDER.test(from) || BOUNCE_SUBJECT.test(mail.subject ?? '');
}

/** The plain-text bounces of Exim, qmail and others: the address, then the remote server's answer. */
function plainEntries(text: string): ReportEntry[] {
  const answer = /\b([45]\d\d)[ -]((?:[245]\.\d{1,3}\.\d{1,3})?[^\n]*)/.exec(text);
  const recipient = /RCPT TO:\s*<([^>\s]+@[^>\s]+)>/i.exec(text)?.[1] ?? /^\s+<?([^\s<>@]+@[^\s<>]+?)>?:?\s*$/m.exec(text)?.[1];
  if (!answer) return [];
  const status = /[245]\.\d{1,3}\.\d{1,3}/.exec(answer[2]!)?.[0];
  // A plain-text bounce is only ever sent once delivery was given up.
  return [{ kind: 'bounce', ...(recipient ? { recipient: recipient.toLowerCase() } : {}), ...(status ? { status } : {}), diagnostic: `${answer[1]} ${answer[2]!.trim()}` }];
}

/** Header-style fields ("Name: value", folded lines joined), in groups separated by blank lines; names lowercased. */
export function fieldGroups(body: string): Record<string, string>[] {
  return body
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((group) => {
      const fields: Record<string, string> = {};
      for (const line of group.replace(/\n[ \t]+/g, ' ').split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
      }
      return fields;
    })
    .filter((f) => Object.keys(f).length > 0);
}

function messageIdIn(text: string): string | undefined {
  return /^Message-ID:\s*<([^>\s]+)>/im.exec(text)?.[1];
}

const bare = (address: string) => address.trim().replace(/^<|>$/g, '').trim().toLowerCase();

function addressesOf(mail: Email): string[] {
  const out = (mail.to ?? []).flatMap((a) => [a.address, a.name]).filter((a): a is string => Boolean(a && a.includes('@')));
  for (const h of mail.headers) {
    if (['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to'].includes(h.key)) out.push(bare(h.value));
  }
  return out.map(bare);
}
