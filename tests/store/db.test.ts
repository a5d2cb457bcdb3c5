/**
 * openDatabase: created and migrated on first use, WAL, idempotent, and
 * safe when two processes open it at once.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/store/migrations.js';
import { DB_FILE, openDatabase } from '../../src/store/db.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('creates the data folder and the database, in WAL mode, fully migrated', () => {
    dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'briefing-db-')), 'nested', 'data');
    const db = openDatabase(dir);
    expect(existsSync(path.join(dir, DB_FILE))).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(db.pragma('busy_timeout', { simple: true }))).toBeGreaterThanOrEqual(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['subscribers', 'deliveries', 'locks', 'delivery_events']));
    expect(tables).not.toContain('send_locks');
    db.close();
  });

  it('opening again runs no migration twice and keeps the data', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-db-'));
    const first = openDatabase(dir);
    first.prepare(`INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at) VALUES ('a@b.org', 'a@b.org', 'confirmed', 'test', 'now', 'now')`).run();
    first.close();
    const second = openDatabase(dir);
    expect(second.prepare('SELECT COUNT(*) AS n FROM subscribers').get()).toEqual({ n: 1 });
    second.close();
  });

  it('two connections opening a fresh database at once both end up migrated', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-db-'));
    const a = openDatabase(dir);
    const b = openDatabase(dir);
    expect(b.pragma('user_version', { simple: true })).toBe(migrations.length);
    a.prepare(`INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at) VALUES ('a@b.org', 'a@b.org', 'confirmed', 'test', 'now', 'now')`).run();
    expect(b.prepare('SELECT COUNT(*) AS n FROM subscribers').get()).toEqual({ n: 1 });
    a.close();
    b.close();
  });

  it('refuses a database written by a newer Briefing', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-db-'));
    const raw = new Database(path.join(dir, DB_FILE));
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    expect(() => openDatabase(dir)).toThrow(/newer Briefing/);
  });

  it('deleting a subscriber deletes their delivery rows (foreign keys on)', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-db-'));
    const db = openDatabase(dir);
    db.prepare(`INSERT INTO subscribers (id, email, email_key, status, source, created_at, updated_at) VALUES (1, 'a@b.org', 'a@b.org', 'confirmed', 'test', 'now', 'now')`).run();
    db.prepare(`INSERT INTO deliveries (edition_id, subscriber_id, status, updated_at) VALUES ('2026-11-23', 1, 'sent', 'now')`).run();
    db.prepare('DELETE FROM subscribers WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 0 });
    db.close();
  });

  it('an existing database gets the delivery index that holds only rows still to send; interrupted editions are found through it', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-db-'));
    // A database as the previous Briefing left it: the first two migrations, with deliveries in it.
    const old = new Database(path.join(dir, DB_FILE));
    for (const m of migrations.slice(0, 2)) old.exec(m.sql);
    old.pragma('user_version = 2');
    old.exec(`INSERT INTO subscribers (id, email, email_key, status, source, created_at, updated_at) VALUES (1, 'a@b.org', 'a@b.org', 'confirmed', 'test', 'now', 'now'), (2, 'c@d.org', 'c@d.org', 'confirmed', 'test', 'now', 'now')`);
    old.exec(`INSERT INTO deliveries (edition_id, subscriber_id, status, updated_at) VALUES ('2026-11-16', 1, 'sent', 'now'), ('2026-11-23', 1, 'sent', 'now'), ('2026-11-23', 2, 'sending', 'now')`);
    old.close();
    const db = openDatabase(dir);
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL`).all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual(['deliveries_unsent']);
    const query = `SELECT DISTINCT edition_id FROM deliveries WHERE status IN ('pending', 'sending') ORDER BY edition_id`;
    expect(db.prepare(query).all()).toEqual([{ edition_id: '2026-11-23' }]);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan).toMatch(/USING (COVERING )?INDEX deliveries_unsent/);
    db.close();
  });
});
