/**
 * A lock in the database, so two services (or a service and `run-now`) on
 * the same data directory never assemble or send at the same time. The lock
 * is taken in a BEGIN IMMEDIATE transaction (SQLite's write lock), renewed
 * by a heartbeat while held, and lapses when its holder stops renewing: a
 * crashed holder blocks others for one TTL at most, and not at all when it
 * was a process on this machine that no longer exists.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Db } from './db.js';
import { debug } from '../log.js';

const log = debug('lock');

export const SEND_LOCK = 'send';
export const DEFAULT_TTL_MS = 60_000;

export interface LockHolder {
  owner: string;
  acquiredAt: string;
  expiresAt: number;
}

export interface HeldLock {
  name: string;
  owner: string;
  /** Aborted when the lock is lost (another process took it after it lapsed): stop working. */
  signal: AbortSignal;
  release(): void;
}

export interface LockOptions {
  owner?: string;
  ttlMs?: number;
  /** Injected clock, milliseconds. */
  now?: () => number;
}

/** `host:pid:random`: readable in the table, unique per process run. */
export function newOwnerId(): string {
  return `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Takes the lock if it is free, lapsed, already ours, or held by a dead
 * process on this host. Returns the current holder otherwise.
 */
export function tryAcquire(
  db: Db,
  name: string,
  options: LockOptions = {},
): { acquired: true; owner: string } | { acquired: false; holder: LockHolder } {
  const owner = options.owner ?? newOwnerId();
  const now = (options.now ?? Date.now)();
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const take = db.transaction(() => {
    const row = db.prepare('SELECT owner, acquired_at, expires_at FROM locks WHERE name = ?').get(name) as
      | { owner: string; acquired_at: string; expires_at: number }
      | undefined;
    if (row && row.owner !== owner && row.expires_at > now && !holderIsDead(row.owner)) {
      return { acquired: false as const, holder: { owner: row.owner, acquiredAt: row.acquired_at, expiresAt: row.expires_at } };
    }
    if (row && row.owner !== owner) log('taking lock %s from %s (lapsed or dead)', name, row.owner);
    const iso = new Date(now).toISOString();
    db.prepare(
      `INSERT INTO locks (name, owner, acquired_at, heartbeat_at, expires_at) VALUES (@name, @owner, @iso, @iso, @expires)
       ON CONFLICT (name) DO UPDATE SET owner = @owner, acquired_at = @iso, heartbeat_at = @iso, expires_at = @expires`,
    ).run({ name, owner, iso, expires: now + ttl });
    return { acquired: true as const, owner };
  });
  return take.immediate();
}

/** Extends the lock if we still hold it; false means it was taken from us. */
export function renew(db: Db, name: string, owner: string, options: Omit<LockOptions, 'owner'> = {}): boolean {
  const now = (options.now ?? Date.now)();
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const result = db
    .prepare('UPDATE locks SET heartbeat_at = ?, expires_at = ? WHERE name = ? AND owner = ?')
    .run(new Date(now).toISOString(), now + ttl, name, owner);
  return result.changes === 1;
}

export function release(db: Db, name: string, owner: string): void {
  db.prepare('DELETE FROM locks WHERE name = ? AND owner = ?').run(name, owner);
}

/**
 * Takes the lock and keeps it alive with a heartbeat every third of the TTL
 * until released. Returns null with the holder when someone else has it.
 */
export function holdLock(
  db: Db,
  name: string,
  options: LockOptions = {},
): { lock: HeldLock; holder?: undefined } | { lock: null; holder: LockHolder } {
  const taken = tryAcquire(db, name, options);
  if (!taken.acquired) return { lock: null, holder: taken.holder };
  const owner = taken.owner;
  const controller = new AbortController();
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const timer = setInterval(() => {
    try {
      if (!renew(db, name, owner, options)) {
        log('lock %s lost by %s', name, owner);
        controller.abort(new Error(`lost the ${name} lock`));
        clearInterval(timer);
      }
    } catch (error) {
      // A busy database is not a lost lock; the next beat tries again.
      log('lock heartbeat failed: %O', error);
    }
  }, Math.max(10, Math.floor(ttl / 3)));
  timer.unref();
  let released = false;
  return {
    lock: {
      name,
      owner,
      signal: controller.signal,
      release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        release(db, name, owner);
      },
    },
  };
}

/** A holder on this host whose process is gone will never release its lock. */
function holderIsDead(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
