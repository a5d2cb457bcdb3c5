/**
 * The delivery log writer: answers are queued and committed together (group
 * commit), either when a message's data is about to go out (the transport
 * calls `flush` after the server's 354, before the first byte) or, for what
 * no message asks for (the last answers, a slot waiting for a retry,
 * refusals before DATA), a few milliseconds later by a timer.
 *
 * The rule the duplicate window rests on: a slot's next message data goes out
 * only after `flush` returned, so every answer it had is committed first. A
 * failed commit breaks the writer for good: every later `flush` throws, so no
 * more data goes out after an answer that may not be on record.
 */
import type { Db } from '../store/db.js';
import { nowIso } from '../store/db.js';
import type { DeliveryStatus } from './log.js';
import type { FailureClass } from './outcome.js';
import { clearSoftBounces, logEvent, recordEvent, type SuppressionPolicy } from './suppression.js';

export type LogWrite =
  /** Handed to the transport; no answer yet. */
  | { kind: 'sending'; id: number }
  /**
   * A final answer for this run. A failure's class is kept on the row and as an event, and applied to the
   * subscriber (suppression.ts); `clearSoftBounces` on a message sent to someone whose soft bounces counted.
   */
  | { kind: 'done'; id: number; status: DeliveryStatus; response: string; messageId: string; failure?: Failure; clearSoftBounces?: boolean }
  /** A failed attempt that will be tried again: kept as an event, applied to nobody. */
  | { kind: 'retry'; id: number; response: string; failure: Failure };

export interface Failure {
  class: FailureClass;
  status?: string | undefined;
}

export interface LogWriter {
  /** Queues a write; it is committed by the next flush, at the latest commitWithinMs from now. */
  record(write: LogWrite): void;
  /** Commits every queued write now. Throws (and keeps throwing) once a commit failed. */
  flush(): void;
  /** Puts these rows, and every row still 'sending', back to 'pending' for the next run. */
  returnToPending(ids: readonly number[]): void;
}

export interface LogWriterOptions {
  /** What soft bounces cost a subscriber (delivery.soft_bounce_limit). */
  policy: SuppressionPolicy;
  /** At the latest, answers are committed this long after they came in. Default 20 ms. */
  commitWithinMs?: number;
  /** Called once, when a commit fails (a timer's commit has no caller to throw to). */
  onFailure?: (error: unknown) => void;
}

export function createLogWriter(db: Db, editionId: string, options: LogWriterOptions): LogWriter {
  const within = options.commitWithinMs ?? 20;
  const markSending = db.prepare(`UPDATE deliveries SET status = 'sending', updated_at = ? WHERE edition_id = ? AND subscriber_id = ?`);
  const markDone = db.prepare(`UPDATE deliveries SET status = ?, class = ?, attempts = attempts + 1, last_response = ?, message_id = ?, updated_at = ? WHERE edition_id = ? AND subscriber_id = ?`);
  const markRetry = db.prepare(`UPDATE deliveries SET attempts = attempts + 1, last_response = ?, updated_at = ? WHERE edition_id = ? AND subscriber_id = ?`);
  const markPending = db.prepare(`UPDATE deliveries SET status = 'pending', updated_at = ? WHERE edition_id = ? AND subscriber_id = ?`);
  const sendingToPending = db.prepare(`UPDATE deliveries SET status = 'pending', updated_at = ? WHERE edition_id = ? AND status = 'sending'`);
  // Built once: db.transaction() per flush showed up in the profile.
  const commit = db.transaction((batch: LogWrite[], now: string) => {
    for (const w of batch) {
      if (w.kind === 'sending') markSending.run(now, editionId, w.id);
      else if (w.kind === 'retry') {
        markRetry.run(w.response, now, editionId, w.id);
        logEvent(db, eventOf(w, editionId));
      } else {
        markDone.run(w.status, w.failure?.class ?? null, w.response, w.messageId, now, editionId, w.id);
        if (w.failure) recordEvent(db, eventOf(w, editionId), options.policy);
        else if (w.clearSoftBounces) clearSoftBounces(db, w.id);
      }
    }
  });

  let queued: LogWrite[] = [];
  let timer: NodeJS.Timeout | undefined;
  let broken: { error: unknown } | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (broken) throw broken.error;
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    try {
      commit(batch, nowIso());
    } catch (error) {
      broken = { error };
      options.onFailure?.(error);
      throw error;
    }
  };

  return {
    record(write) {
      queued.push(write);
      timer ??= setTimeout(() => {
        timer = undefined;
        try {
          flush();
        } catch {
          // Reported through onFailure.
        }
      }, within);
    },
    flush,
    returnToPending(ids) {
      const now = nowIso();
      db.transaction(() => {
        for (const id of ids) markPending.run(now, editionId, id);
        sendingToPending.run(now, editionId);
      })();
    },
  };
}

const eventOf = (w: { id: number; response: string; failure?: Failure }, editionId: string) => ({
  source: 'smtp' as const,
  kind: w.failure!.class,
  subscriberId: w.id,
  editionId,
  status: w.failure!.status,
  response: w.response,
});
