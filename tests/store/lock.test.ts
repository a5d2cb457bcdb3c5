import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/store/db.js';
import { holdLock, release, renew, tryAcquire } from '../../src/store/lock.js';
import { tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
let db: Db;
let other: Db;

beforeEach(() => {
  project = tempProject();
  db = openDatabase(project.dataDir);
  // A second connection to the same file: what a second service would have.
  other = openDatabase(project.dataDir);
});
afterEach(() => {
  db.close();
  other.close();
  project.cleanup();
});

describe('the send lock', () => {
  it('is held by one owner at a time, across connections', () => {
    const a = tryAcquire(db, 'send', { owner: 'host-a:1:a', ttlMs: 60_000, now: () => 1_000 });
    expect(a.acquired).toBe(true);
    const b = tryAcquire(other, 'send', { owner: 'host-b:1:b', ttlMs: 60_000, now: () => 2_000 });
    expect(b).toMatchObject({ acquired: false, holder: { owner: 'host-a:1:a', expiresAt: 61_000 } });
    release(db, 'send', 'host-a:1:a');
    expect(tryAcquire(other, 'send', { owner: 'host-b:1:b', now: () => 3_000 }).acquired).toBe(true);
  });

  it('lapses when its holder stops renewing (a crashed service), so another can take it', () => {
    expect(tryAcquire(db, 'send', { owner: 'host-a:1:a', ttlMs: 60_000, now: () => 0 }).acquired).toBe(true);
    expect(renew(db, 'send', 'host-a:1:a', { ttlMs: 60_000, now: () => 50_000 })).toBe(true);
    // Renewed at 50 s: still held at 100 s, lapsed at 110 s.
    expect(tryAcquire(other, 'send', { owner: 'host-b:1:b', now: () => 100_000 }).acquired).toBe(false);
    expect(tryAcquire(other, 'send', { owner: 'host-b:1:b', now: () => 110_001 }).acquired).toBe(true);
    // The old holder finds out on its next heartbeat.
    expect(renew(db, 'send', 'host-a:1:a', { now: () => 110_002 })).toBe(false);
  });

  it('is taken at once from a process on this host that no longer exists', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadOwner = `${os.hostname()}:${dead.stdout}:dead`;
    expect(tryAcquire(db, 'send', { owner: deadOwner, ttlMs: 60_000, now: () => 0 }).acquired).toBe(true);
    expect(tryAcquire(other, 'send', { owner: `${os.hostname()}:${process.pid}:me`, now: () => 1 }).acquired).toBe(true);
  });

  it('is not taken from a live process on this host', () => {
    const liveOwner = `${os.hostname()}:${process.ppid}:live`;
    expect(tryAcquire(db, 'send', { owner: liveOwner, now: () => 0 }).acquired).toBe(true);
    expect(tryAcquire(other, 'send', { owner: `${os.hostname()}:${process.pid}:me`, now: () => 1 }).acquired).toBe(false);
  });

  it('aborts the holder when the lock is taken from it, and release frees it', async () => {
    const held = holdLock(db, 'send', { owner: 'host-a:1:a', ttlMs: 30 });
    expect(held.lock).not.toBeNull();
    // Another process takes it over as if the holder had lapsed.
    other.prepare('UPDATE locks SET owner = ? WHERE name = ?').run('host-b:1:b', 'send');
    await new Promise<void>((resolve) => held.lock!.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(held.lock!.signal.aborted).toBe(true);
    held.lock!.release();
    // Releasing a lock we no longer hold leaves the new holder alone.
    expect((other.prepare('SELECT owner FROM locks').get() as { owner: string }).owner).toBe('host-b:1:b');
  });
});
