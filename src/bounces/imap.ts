/**
 * The bounce mailbox over IMAP (imapflow): every unseen message is read one
 * at a time, applied like an imported report, then marked \Seen, so a poll
 * cut short by a dropped connection leaves the rest for the next one (and a
 * report applied twice still counts once). Messages larger than any report
 * are marked seen unread, with a line in the log.
 */
import { formatSize } from '../units.js';
import { ImapFlow } from 'imapflow';
import type { Config } from '../config/schema.js';
import { resolveSecret } from '../delivery/tokens.js';
import { BriefingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { applyMessage, emptySummary, type ImportSummary } from './import.js';
import { MAX_MESSAGE_BYTES } from './mailbox.js';

export interface MailboxSettings {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  mailbox: string;
}

export function mailboxFromUrl(url: string): MailboxSettings {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new BriefingError('CONFIG_INVALID', 'BOUNCE_IMAP_URL is not a URL (expected imaps://user:password@host:993/INBOX)', { cause });
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:') throw new BriefingError('CONFIG_INVALID', `BOUNCE_IMAP_URL must start with imap:// or imaps://, not ${u.protocol}//`);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'INBOX',
  };
}

/** Reads the unseen messages of the bounce mailbox; undefined when BOUNCE_IMAP_URL is not set. */
export async function pollBounceMailbox(db: Db, config: Config, log: Logger): Promise<ImportSummary | undefined> {
  if (!config.secrets.bounceImapUrl) return undefined;
  const m = mailboxFromUrl(config.secrets.bounceImapUrl);
  const { secret } = resolveSecret(config);
  const where = `imap://${m.host}:${m.port}/${m.mailbox}`;
  const client = new ImapFlow({
    host: m.host,
    port: m.port,
    secure: m.secure,
    auth: { user: m.user, pass: m.pass },
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 60_000,
  });
  // imapflow reports a dropped connection as an 'error' event as well as by rejecting the command in flight.
  client.on('error', () => {});
  const summary = emptySummary();
  try {
    await client.connect();
    const lock = await client.getMailboxLock(m.mailbox);
    try {
      const unseen = (await client.search({ seen: false }, { uid: true })) || [];
      for (const uid of unseen) {
        const meta = await client.fetchOne(String(uid), { size: true }, { uid: true });
        if (meta && (meta.size ?? 0) > MAX_MESSAGE_BYTES) {
          summary.messages += 1;
          summary.ignored += 1;
          log.warn(`${where} uid ${uid}: skipped: ${formatSize(meta.size ?? 0)}, larger than any report`);
        } else {
          const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (message && message.source) await applyMessage(db, config, secret, { where: `${where} uid ${uid}`, raw: message.source }, summary, log);
        }
        await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      }
    } finally {
      lock.release();
    }
    await client.logout();
    return summary;
  } catch (cause) {
    client.close();
    const done = summary.messages > 0 ? ` after ${summary.messages} message${summary.messages === 1 ? '' : 's'} (those are applied; the rest wait for the next poll)` : '';
    // imapflow's message for a refused command is only "Command failed"; the server's own words say more.
    const e = cause as { message?: string; responseText?: string; executedCommand?: string };
    const why = e.responseText ? `${e.executedCommand?.replace(/^\S+ /, '') ?? 'a command'} failed: ${e.responseText}` : (e.message ?? String(cause));
    throw new BriefingError('BOUNCE_MAILBOX_FAILED', `bounce mailbox ${where}: ${why}${done}`, { cause });
  }
}
