/**
 * The one SQLite database (<dataDir>/briefing.db): subscribers and the
 * delivery log. Created and migrated on first use. WAL lets the server read
 * while `send` writes; busy_timeout makes a second process wait instead of
 * failing with SQLITE_BUSY.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';
import { migrations } from './migrations.js';
import { DB_FILE } from '../paths.js';

const log = debug('store');

export type Db = Database.Database;
export { DB_FILE } from '../paths.js';

export interface OpenOptions {
  /**
   * How long a write waits inside SQLite for another process's lock (default 10 s). The server takes 0:
   * the wait would hold its only thread, and it retries between requests instead (server.ts, withWrite).
   */
  busyTimeoutMs?: number;
}

export function openDatabase(dataDir: string, options: OpenOptions = {}): Db {
  const file = path.join(dataDir, DB_FILE);
  let db: Db;
  try {
    // Subscriber addresses are personal data: keep the folder private when we create it.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    keepPrivate(file);
    db = new Database(file);
  } catch (cause) {
    throw new BriefingError('INTERNAL', 'cannot open the database', { file, cause });
  }
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL survives a killed process (kill -9); only power loss can drop the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db, file);
  return db;
}

/**
 * The database holds subscribers' addresses: readable by this user only, whatever the umask, and in a data
 * folder that existed before. Created 0600 before SQLite opens it (its -wal and -shm files take the same
 * mode), and tightened when an older Briefing left it 0644.
 */
function keepPrivate(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

function migrate(db: Db, file: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === migrations.length) return;
  if (current > migrations.length) {
    throw new BriefingError('INTERNAL', `the database was written by a newer Briefing (schema ${current}, this one knows ${migrations.length})`, { file });
  }
  // IMMEDIATE takes the write lock first, so two processes starting at once do not both migrate.
  const run = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let i = version; i < migrations.length; i++) {
      log('migration %d: %s', i + 1, migrations[i]!.name);
      db.exec(migrations[i]!.sql);
    }
    db.pragma(`user_version = ${migrations.length}`);
  });
  run.immediate();
}

/** ISO timestamp for `*_at` columns. */
export const nowIso = (): string => new Date().toISOString();
