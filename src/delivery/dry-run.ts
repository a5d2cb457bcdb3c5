/** `send --dry-run`: who would get which variant, every variant rendered, nothing sent or recorded. */
import { formatSize } from '../units.js';
import type { Config } from '../config/schema.js';
import type { ResolvedEdition } from '../editions/published.js';
import type { Logger } from '../log.js';
import type { VariantCache } from '../render/variants.js';
import type { Db } from '../store/db.js';
import { followed } from './messages.js';
import { compileMessage } from './mime.js';
import type { SendSummary } from './summary.js';

export async function dryRun(config: Config, db: Db, edition: ResolvedEdition, variants: VariantCache, log: Logger, started: number): Promise<SendSummary> {
  const byKey = new Map<string, number>();
  let skipped = 0;
  let alreadySent = 0;
  const sent = db.prepare(`SELECT 1 FROM deliveries WHERE edition_id = ? AND subscriber_id = ? AND status IN ('sent', 'bounced')`);
  for (const r of db.prepare(`SELECT id, themes FROM subscribers WHERE status = 'confirmed' ORDER BY id`).iterate() as IterableIterator<{ id: number; themes: string }>) {
    const key = variants.themeKey(followed(config, r.themes));
    if (key === null) skipped += 1;
    else if (sent.get(edition.id, r.id)) alreadySent += 1;
    else byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  // Render every variant that would be used, so a template problem shows now and not mid-send.
  for (const [key, n] of byKey) {
    const variant = await variants.get(key.split(','));
    const size = compileMessage(variant, { fromName: config.sender.name, fromAddress: config.sender.address }).baseBytes;
    log.info(`  ${n} × [${key}] "${variant.subject}" (${formatSize(size)})`);
  }
  const total = [...byKey.values()].reduce((a, b) => a + b, 0);
  log.info(`dry run: edition ${edition.id} would go to ${total} subscriber${total === 1 ? '' : 's'} in ${byKey.size} variant${byKey.size === 1 ? '' : 's'}; ${skipped} follow none of its themes; ${alreadySent} already have it. Nothing was sent.`);
  return {
    editionId: edition.id,
    dryRun: true,
    transport: config.secrets.smtpUrl ? 'smtp' : 'outbox',
    total,
    sent: 0,
    failed: 0,
    bounced: 0,
    blocked: 0,
    uncertain: 0,
    skipped,
    alreadySent,
    pending: total,
    variants: byKey.size,
    aborted: false,
    ms: Date.now() - started,
    rate: 0,
  };
}
