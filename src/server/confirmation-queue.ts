/**
 * Confirmation mails, queued in SQLite and sent from the background with
 * retries. `/subscribe` only adds a row, so it answers at once and the same
 * for every address (no timing tells a new one from a known one), and a relay
 * that hangs or is down delays the mail, never the page, and loses nothing.
 */
import type { Config } from '../config/schema.js';
import type { Transport } from '../delivery/transport.js';
import { debug, type Logger } from '../log.js';
import { nowIso, type Db } from '../store/db.js';
import { sendConfirmation } from './confirmation.js';

const trace = debug('server:confirmations');

/** Waits after each failed attempt; after the last, the mail is given up (and logged). */
export const CONFIRMATION_BACKOFF_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000];

export interface ConfirmationQueue {
  enqueue(subscriberId: number, to: string, url: string): void;
  /** Sends every mail due now, one at a time; `all` ignores the backoff (tests, and a flush at shutdown). */
  drain(options?: { all?: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface Row {
  id: number;
  to_address: string;
  url: string;
  attempts: number;
}

export function createConfirmationQueue(o: { config: Config; db: Db; transport: Transport; log: Logger; attemptTimeoutMs?: number; pollMs?: number }): ConfirmationQueue {
  const { db } = o;
  const insert = db.prepare(`INSERT INTO confirmation_mails (subscriber_id, to_address, url, next_at, created_at) VALUES (?, ?, ?, ?, ?)`);
  const due = db.prepare(`SELECT id, to_address, url, attempts FROM confirmation_mails WHERE status = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT 100`);
  const sent = db.prepare(`UPDATE confirmation_mails SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?`);
  const failed = db.prepare(`UPDATE confirmation_mails SET status = ?, attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?`);
  let running: Promise<void> | undefined;
  let closed = false;

  const attempt = async (row: Row) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the mail server within ${Math.round((o.attemptTimeoutMs ?? 60_000) / 1000)} s`)), o.attemptTimeoutMs ?? 60_000);
    });
    try {
      await Promise.race([sendConfirmation(o.config, o.transport, row.to_address, row.url), timeout]);
      sent.run(nowIso(), row.id);
      trace('confirmation %d sent', row.id);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const wait = CONFIRMATION_BACKOFF_MS[row.attempts];
      failed.run(wait === undefined ? 'failed' : 'pending', Date.now() + (wait ?? 0), message.slice(0, 500), row.id);
      if (wait === undefined) o.log.error(`server: gave up on confirmation mail ${row.id} after ${row.attempts + 1} attempts: ${message}`);
      else o.log.warn(`server: confirmation mail ${row.id} failed (${message}); trying again in ${Math.round(wait / 1000)} s`);
    } finally {
      clearTimeout(timer);
    }
  };

  const drain = (options: { all?: boolean } = {}): Promise<void> => {
    const run = async () => {
      // Each pass takes what is due; a failed mail is due again only after its wait, so passes end.
      // With `all`, one pass: every waiting mail is tried once.
      for (;;) {
        // Closed (the database may be too): a drain asked for before the close does nothing.
        if (closed) return;
        const rows = due.all(options.all ? Number.MAX_SAFE_INTEGER : Date.now()) as Row[];
        for (const row of rows) {
          if (closed) return;
          await attempt(row);
        }
        if (rows.length === 0 || options.all) return;
      }
    };
    // One sender at a time; a drain asked for meanwhile runs after it.
    const next = (running ?? Promise.resolve()).then(run);
    // The chain keeps going whatever one drain met; the caller of this one gets its own outcome.
    const settled: Promise<void> = next.then(
      () => undefined,
      () => undefined,
    );
    running = settled;
    void settled.then(() => {
      if (running === settled) running = undefined;
    });
    return next;
  };

  // Retries come due without any new request: look now and then.
  const poll = setInterval(() => void drain().catch((e: unknown) => o.log.error(`server: confirmation queue: ${(e as Error).message}`)), o.pollMs ?? 15_000);
  poll.unref();
  // Mails left by an earlier run go now.
  setImmediate(() => void drain().catch(() => undefined));

  return {
    enqueue(subscriberId, to, url) {
      insert.run(subscriberId, to, url, Date.now(), nowIso());
      setImmediate(() => void drain().catch((e: unknown) => o.log.error(`server: confirmation queue: ${(e as Error).message}`)));
    },
    drain,
    async close() {
      clearInterval(poll);
      closed = true;
      await running?.catch(() => undefined);
    },
  };
}
