/** `briefing bounces import`: every report in the files, folders and mailboxes given, applied once, with a line for each that changes nothing. */
import type { Config } from '../config/schema.js';
import { resolveSecret } from '../delivery/tokens.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { applyReport } from './apply.js';
import { readMailbox, type MailboxMessage } from './mailbox.js';
import { parseReport } from './parse.js';

export interface ImportSummary {
  messages: number;
  hard: number;
  soft: number;
  blocked: number;
  unknown: number;
  complaints: number;
  delayed: number;
  duplicates: number;
  /** Reports that changed nothing: not about our messages, or not reports at all. */
  ignored: number;
}

export const emptySummary = (): ImportSummary => ({ messages: 0, hard: 0, soft: 0, blocked: 0, unknown: 0, complaints: 0, delayed: 0, duplicates: 0, ignored: 0 });

export async function importReports(db: Db, config: Config, targets: string[], log: Logger): Promise<ImportSummary> {
  const { secret } = resolveSecret(config);
  const summary = emptySummary();
  for (const target of targets) {
    for await (const message of readMailbox(target)) {
      if ('skipped' in message) {
        summary.messages += 1;
        summary.ignored += 1;
        log.warn(`${message.where}: skipped: ${message.skipped}`);
      } else await applyMessage(db, config, secret, message, summary, log);
    }
  }
  return summary;
}

/** One message from a mailbox (a file, an mbox, IMAP): parsed, applied, counted, and a line for what it leaves alone. */
export async function applyMessage(db: Db, config: Config, secret: string, message: MailboxMessage, summary: ImportSummary, log: Logger): Promise<void> {
  summary.messages += 1;
  let report;
  try {
    report = await parseReport(message.raw);
  } catch (error) {
    summary.ignored += 1;
    log.warn(`${message.where}: cannot be read as a message (${(error as Error).message}); nothing changed`);
    return;
  }
  if (!report) {
    summary.ignored += 1;
    log.warn(`${message.where}: not a bounce or complaint report; nothing changed`);
    return;
  }
  for (const outcome of applyReport(db, config, secret, report)) {
    if (outcome.result === 'ignored') {
      summary.ignored += 1;
      log.warn(`${message.where}: ${outcome.why}; nothing changed`);
    } else if (outcome.result === 'duplicate') summary.duplicates += 1;
    else if (outcome.result === 'delayed') summary.delayed += 1;
    else if (outcome.result === 'applied') {
      summary[outcome.kind === 'complaint' ? 'complaints' : outcome.kind === 'connection' ? 'unknown' : outcome.kind] += 1;
      log.info(`${message.where}: ${outcome.kind === 'complaint' ? 'complaint' : `${outcome.kind} bounce`} for ${outcome.email} (edition ${outcome.editionId})`);
    }
  }
}

export const formatImportSummary = (s: ImportSummary): string =>
  `${s.messages} message${s.messages === 1 ? '' : 's'} read: ${s.hard} hard bounce${s.hard === 1 ? '' : 's'}, ${s.soft} soft, ${s.blocked} blocked, ${s.unknown} unknown, ` +
  `${s.complaints} complaint${s.complaints === 1 ? '' : 's'}, ${s.delayed} delayed, ${s.duplicates} already imported, ${s.ignored} changed nothing`;
