/**
 * The subscriber list. Status moves:
 *   pending (asked on the web, not yet confirmed) → confirmed → unsubscribed
 *   any → suppressed (the address bounced permanently; never mailed again)
 * Operator actions (`subscribers add`, `import`) add people as confirmed:
 * the operator vouches for their consent.
 */
import { parse } from 'csv-parse/sync';
import type { Theme } from '../config/schema.js';
import { InputError } from '../errors.js';
import { problem, type Problem } from '../problems.js';
import { nowIso, type Db } from '../store/db.js';
import { normalizeAddress } from './address.js';
import { parseThemeList, themesFromColumn, themesToColumn } from './themes.js';

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'suppressed';

export interface Subscriber {
  id: number;
  email: string;
  name: string;
  /** Followed theme slugs; empty = every theme. */
  themes: string[];
  status: SubscriberStatus;
  source: string;
  createdAt: string;
  updatedAt: string;
  requestedAt: string | null;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  suppressedReason: string | null;
  /** The random id links, Message-IDs and VERP addresses name the subscriber by. */
  publicId: string;
}

export interface SubscriberRow {
  id: number;
  email: string;
  name: string;
  themes: string;
  status: SubscriberStatus;
  source: string;
  created_at: string;
  updated_at: string;
  requested_at: string | null;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  suppressed_reason: string | null;
  public_id: string;
}

export const fromRow = (r: SubscriberRow): Subscriber => ({
  id: r.id,
  email: r.email,
  name: r.name,
  themes: themesFromColumn(r.themes),
  status: r.status,
  source: r.source,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  requestedAt: r.requested_at,
  confirmedAt: r.confirmed_at,
  unsubscribedAt: r.unsubscribed_at,
  suppressedReason: r.suppressed_reason,
  publicId: r.public_id,
});

/** A subscriber as links name them: by public id, or (links mailed before public ids) by row id. */
export function subscriberByLinkId(db: Db, key: string): Subscriber | undefined {
  if (PUBLIC_ID.test(key)) {
    const row = db.prepare('SELECT * FROM subscribers WHERE public_id = ?').get(key) as SubscriberRow | undefined;
    return row ? fromRow(row) : undefined;
  }
  return LEGACY_ID.test(key) ? getSubscriber(db, Number(key)) : undefined;
}

export const PUBLIC_ID = /^[0-9a-f]{18}$/;
export const LEGACY_ID = /^[1-9][0-9]{0,14}$/;

export function getSubscriber(db: Db, id: number): Subscriber | undefined {
  const row = db.prepare('SELECT * FROM subscribers WHERE id = ?').get(id) as SubscriberRow | undefined;
  return row && fromRow(row);
}

export function findSubscriber(db: Db, email: string): Subscriber | undefined {
  const address = normalizeAddress(email);
  if (!address.ok) return undefined;
  const row = rowByKey(db, address.key);
  return row && fromRow(row);
}

function rowByKey(db: Db, key: string): SubscriberRow | undefined {
  return db.prepare('SELECT * FROM subscribers WHERE email_key = ?').get(key) as SubscriberRow | undefined;
}

/** A valid address and its row, if any; an invalid address is the user's error. */
function lookUp(db: Db, email: string) {
  const address = normalizeAddress(email);
  if (!address.ok) throw new InputError('SUBSCRIBER_INVALID', address.message);
  return { address, existing: rowByKey(db, address.key) };
}

/** Every subscriber, oldest first, streamed (a list can be large). */
export function* iterateSubscribers(db: Db): Generator<Subscriber> {
  for (const row of db.prepare('SELECT * FROM subscribers ORDER BY id').iterate() as IterableIterator<SubscriberRow>) yield fromRow(row);
}

export interface AddInput {
  email: string;
  name?: string;
  /** Theme slugs already checked against the config; undefined keeps what is stored. */
  themes?: string[];
  source: string;
  /** Re-add an address that unsubscribed or bounced. */
  force?: boolean;
}

export type AddOutcome =
  | { action: 'added' | 'updated' | 'unchanged'; subscriber: Subscriber }
  | { action: 'refused'; subscriber: Subscriber; reason: string };

/** Adds (or updates) a confirmed subscriber. An address that left or bounced is not re-added without `force`. */
export function addSubscriber(db: Db, input: AddInput): AddOutcome {
  const { address, existing } = lookUp(db, input.email);
  const now = nowIso();
  if (!existing) {
    const info = db
      .prepare(
        `INSERT INTO subscribers (email, email_key, name, themes, status, source, created_at, updated_at, confirmed_at)
         VALUES (?, ?, ?, ?, 'confirmed', ?, ?, ?, ?)`,
      )
      .run(address.email, address.key, cleanName(input.name), themesToColumn(input.themes ?? []), input.source, now, now, now);
    return { action: 'added', subscriber: getSubscriber(db, Number(info.lastInsertRowid))! };
  }
  if ((existing.status === 'unsubscribed' || existing.status === 'suppressed') && !input.force) {
    const reason =
      existing.status === 'unsubscribed'
        ? `${existing.email} unsubscribed on ${existing.unsubscribed_at?.slice(0, 10) ?? 'an earlier date'}; not re-added`
        : `${existing.email} is suppressed (${existing.suppressed_reason ?? 'bounced'}); not re-added`;
    return { action: 'refused', subscriber: fromRow(existing), reason };
  }
  const name = input.name === undefined ? existing.name : cleanName(input.name);
  const themes = input.themes === undefined ? existing.themes : themesToColumn(input.themes);
  if (existing.status === 'confirmed' && name === existing.name && themes === existing.themes) {
    return { action: 'unchanged', subscriber: fromRow(existing) };
  }
  db.prepare(
    `UPDATE subscribers SET name = ?, themes = ?, status = 'confirmed', updated_at = ?,
       confirmed_at = COALESCE(CASE WHEN status = 'confirmed' THEN confirmed_at END, ?), suppressed_reason = NULL
     WHERE id = ?`,
  ).run(name, themes, now, now, existing.id);
  return { action: 'updated', subscriber: getSubscriber(db, existing.id)! };
}

export function removeSubscriber(db: Db, email: string): boolean {
  const address = normalizeAddress(email);
  if (!address.ok) throw new InputError('SUBSCRIBER_INVALID', address.message);
  return db.prepare('DELETE FROM subscribers WHERE email_key = ?').run(address.key).changes > 0;
}

export interface ImportResult {
  added: number;
  updated: number;
  unchanged: number;
  /** Bad rows (errors) and rows left alone (warnings), as file:line problems. */
  problems: Problem[];
}

const COLUMNS = ['email', 'name', 'themes'];

/** The file's text, and the lines (1-based) that are not valid UTF-8, which a plain decode would silently mend. */
export function decodeCsv(bytes: Uint8Array): { text: string; badLines: Set<number> } {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const badLines = new Set<number>();
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    try {
      strict.decode(bytes.subarray(start, end));
    } catch {
      badLines.add(line);
    }
    start = end + 1;
  }
  return { text: new TextDecoder('utf-8').decode(bytes), badLines };
}

/**
 * Imports a CSV: a header row naming the columns (email required; name and
 * themes optional, any order), then one subscriber per row. Themes in a cell
 * are separated by ';' (or ',' inside a quoted cell); an empty cell means
 * every theme. Bad rows are reported and skipped; the rest import in
 * transactions of IMPORT_BATCH rows: one for 100,000 held the write lock for
 * seconds, and every other writer (the server's /subscribe, a send's log)
 * waited behind it. An import cut short can be run again: the rows already
 * in count as unchanged.
 */
/** Rows per transaction of an import: each holds the write lock for a few milliseconds. */
export const IMPORT_BATCH = 500;

export function importSubscribers(db: Db, input: string | Uint8Array, file: string, configured: readonly Theme[]): ImportResult {
  const problems: Problem[] = [];
  const at = (line: number) => ({ line, col: 1 });
  const { text, badLines } = typeof input === 'string' ? { text: input, badLines: new Set<number>() } : decodeCsv(input);
  let header: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number }; raw: string }[];
  try {
    records = parse(text, {
      bom: true,
      columns: (names: string[]) => (header = names.map((n) => n.trim().toLowerCase())),
      info: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (error: { message: string; lines?: number } | undefined) => {
        if (error) problems.push(problem('error', 'csv', file, at(error.lines ?? 1), `bad CSV row: ${error.message}`));
      },
    }) as typeof records;
  } catch (cause) {
    const line = (cause as { lines?: number }).lines ?? 1;
    throw new InputError('SUBSCRIBER_INVALID', `not a readable CSV file: ${(cause as Error).message}`, { file, position: at(line), cause });
  }
  if (!header.includes('email')) {
    throw new InputError('SUBSCRIBER_INVALID', `the first row must be a header naming the columns (email, name, themes); found: ${header.join(', ') || 'nothing'}`, { file, position: at(1) });
  }
  const unknown = header.filter((h) => h && !COLUMNS.includes(h));
  if (unknown.length > 0) problems.push(problem('warning', 'csv-column', file, at(1), `ignoring unknown column${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`));

  const result: ImportResult = { added: 0, updated: 0, unchanged: 0, problems };
  const seen = new Map<string, number>();
  const importBatch = db.transaction((batch: typeof records) => {
    for (const { record, info, raw } of batch) {
      // csv-parse counts the line a record ends on; a quoted cell may hold line breaks, so name where it starts.
      const breaks = (raw.match(/\n/g)?.length ?? 0) - (raw.endsWith('\n') ? 1 : 0);
      const line = info.lines - breaks;
      const bad = [...badLines].find((l) => l >= line && l <= info.lines);
      if (bad !== undefined) {
        problems.push(problem('error', 'encoding', file, at(bad), 'not valid UTF-8: save the file as UTF-8 (a name would otherwise be mangled); row skipped'));
        continue;
      }
      const address = normalizeAddress(record.email ?? '');
      if (!address.ok) {
        problems.push(problem('error', 'bad-address', file, at(line), address.message));
        continue;
      }
      const themes = parseThemeList(record.themes ?? '', configured);
      if (!themes.ok) {
        problems.push(problem('error', 'unknown-theme', file, at(line), themes.message));
        continue;
      }
      const first = seen.get(address.key);
      if (first !== undefined) {
        problems.push(problem('warning', 'duplicate', file, at(line), `${address.email} is already on line ${first}; row ignored`));
        continue;
      }
      seen.set(address.key, line);
      const outcome = addSubscriber(db, { email: address.email, name: record.name ?? '', themes: themes.themes, source: 'import' });
      if (outcome.action === 'refused') problems.push(problem('warning', 'left-alone', file, at(line), outcome.reason));
      else result[outcome.action] += 1;
    }
  });
  for (let i = 0; i < records.length; i += IMPORT_BATCH) importBatch(records.slice(i, i + IMPORT_BATCH));
  problems.sort((a, b) => a.line - b.line);
  return result;
}

// ---- Web subscription flow (double opt-in) ----

/** A confirmation link works for this long after the request. */
export const CONFIRMATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const confirmationExpired = (requestedAt: string, now = Date.now()): boolean => now - Date.parse(requestedAt) > CONFIRMATION_TTL_MS;

export interface RequestOutcome {
  subscriber: Subscriber | undefined;
  /** Whether to mail a confirmation link now. */
  sendConfirmation: boolean;
}

/**
 * Records a web subscription request. Only a new, pending or unsubscribed
 * address gets a confirmation mail; confirmed and suppressed ones get
 * nothing (the page shown is the same either way).
 */
export function requestSubscription(db: Db, email: string, themes: string[]): RequestOutcome {
  const { address, existing } = lookUp(db, email);
  const now = nowIso();
  if (!existing) {
    const info = db
      .prepare(
        `INSERT INTO subscribers (email, email_key, themes, status, source, created_at, updated_at, requested_at)
         VALUES (?, ?, ?, 'pending', 'web', ?, ?, ?)`,
      )
      .run(address.email, address.key, themesToColumn(themes), now, now, now);
    return { subscriber: getSubscriber(db, Number(info.lastInsertRowid)), sendConfirmation: true };
  }
  if (existing.status === 'pending') {
    // Within its lifetime the earlier link keeps working and confirms what was asked then: anyone may post
    // this address, so a later request changes nothing (it only sends the same link again). After the
    // lifetime, the new request's themes and a fresh request time issue a fresh link.
    const expired = !existing.requested_at || confirmationExpired(existing.requested_at);
    if (expired) db.prepare('UPDATE subscribers SET themes = ?, updated_at = ?, requested_at = ? WHERE id = ?').run(themesToColumn(themes), now, renewedRequestTime(existing.requested_at, now), existing.id);
    return { subscriber: getSubscriber(db, existing.id), sendConfirmation: true };
  }
  if (existing.status === 'unsubscribed') {
    // A new request: a fresh requested_at voids confirmation links from before.
    db.prepare(`UPDATE subscribers SET status = 'pending', themes = ?, requested_at = ?, updated_at = ? WHERE id = ?`).run(themesToColumn(themes), renewedRequestTime(existing.requested_at, now), now, existing.id);
    return { subscriber: getSubscriber(db, existing.id), sendConfirmation: true };
  }
  return { subscriber: fromRow(existing), sendConfirmation: false };
}

/**
 * The request time that replaces `previous`: now, or a millisecond after `previous` when the clock has not
 * moved past it (a request in the same millisecond, or a clock set back). Confirmation links are signed
 * over the request time, so an unchanged one would keep the old links working.
 */
function renewedRequestTime(previous: string | null, now: string): string {
  const last = previous === null ? NaN : Date.parse(previous);
  if (Number.isNaN(last) || Date.parse(now) > last) return now;
  return new Date(last + 1).toISOString();
}

/** pending → confirmed. Returns the subscriber afterwards, or undefined when it cannot be confirmed. */
export function confirmSubscriber(db: Db, id: number): Subscriber | undefined {
  const now = nowIso();
  db.prepare(`UPDATE subscribers SET status = 'confirmed', confirmed_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`).run(now, now, id);
  return getSubscriber(db, id);
}

/** Idempotent: unsubscribing twice changes nothing the second time. A suppressed address stays suppressed. */
export function unsubscribeSubscriber(db: Db, id: number): Subscriber | undefined {
  const now = nowIso();
  db.prepare(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'confirmed')`).run(now, now, id);
  return getSubscriber(db, id);
}

export function setSubscriberThemes(db: Db, id: number, themes: string[]): Subscriber | undefined {
  db.prepare('UPDATE subscribers SET themes = ?, updated_at = ? WHERE id = ?').run(themesToColumn(themes), nowIso(), id);
  return getSubscriber(db, id);
}

/** After a permanent (5xx) failure: never mailed again until an operator re-adds the address with --force. */
export function suppressSubscriber(db: Db, id: number, reason: string): void {
  db.prepare(`UPDATE subscribers SET status = 'suppressed', suppressed_reason = ?, updated_at = ? WHERE id = ?`).run(reason.slice(0, 300), nowIso(), id);
}

const cleanName = (name: string | undefined): string => (name ?? '').replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim().slice(0, 200);
