/**
 * A sliding-window limit per key (an IP address, an email address), kept in
 * SQLite so a restart does not reset it: with limits in memory, restarting
 * the server let an address be flooded with confirmation mails again. Keys
 * are stored as hashes; hits older than the window are deleted as they age.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';

export interface RateLimiter {
  /** Records an attempt; false when the key has used up its allowance. */
  allow(key: string): boolean;
}

export function createRateLimiter(db: Db, perWindow: number, windowMs = 3_600_000, now: () => number = Date.now): RateLimiter {
  const count = db.prepare('SELECT COUNT(*) AS n FROM rate_hits WHERE key = ? AND at > ?');
  const add = db.prepare('INSERT INTO rate_hits (key, at) VALUES (?, ?)');
  const expire = db.prepare('DELETE FROM rate_hits WHERE at <= ?');
  let calls = 0;
  const attempt = db.transaction((key: string, t: number): boolean => {
    // Now and then, not on every request: one indexed delete of everything past the window.
    if (calls++ % 500 === 0) expire.run(t - windowMs);
    if ((count.get(key, t - windowMs) as { n: number }).n >= perWindow) return false;
    add.run(key, t);
    return true;
  });
  return { allow: (key) => attempt(createHash('sha256').update(key).digest('base64url').slice(0, 22), now()) };
}
