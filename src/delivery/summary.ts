/** What a send did, as data and as the one line it prints. */

export interface SendSummary {
  editionId: string;
  dryRun: boolean;
  transport: string;
  /** Recipients this run tried to reach. */
  total: number;
  sent: number;
  failed: number;
  /** Hard bounces: the mailbox does not exist; the address is suppressed. */
  bounced: number;
  /** Refused for policy, authentication, content or reputation: nobody suppressed, sent again by the next run. */
  blocked: number;
  uncertain: number;
  /** Confirmed subscribers who follow none of the edition's themes. */
  skipped: number;
  /** Already sent by an earlier run (not sent again). */
  alreadySent: number;
  /** Left pending because the run was aborted. */
  pending: number;
  /** Variants (distinct theme sets) used. */
  variants: number;
  aborted: boolean;
  ms: number;
  /** Messages per second. */
  rate: number;
}

export function formatSummary(s: SendSummary): string {
  const secs = (s.ms / 1000).toFixed(1);
  return (
    `edition ${s.editionId}${s.aborted ? ' (stopped early)' : ''}: ${s.sent} sent, ${s.failed} failed, ${s.bounced} bounced, ` +
    (s.blocked ? `${s.blocked} blocked, ` : '') +
    `${s.uncertain} uncertain, ${s.skipped} skipped (no matching theme)` +
    (s.alreadySent ? `, ${s.alreadySent} already sent before` : '') +
    (s.pending ? `, ${s.pending} left pending` : '') +
    ` in ${secs}s (${s.rate} msg/s) via ${s.transport}`
  );
}
