/** A real SQLite database in a temp folder for each test of a file or block, and a delivery log to go with it. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { nowIso, openDatabase, type Db } from '../../src/store/db.js';

/** Registers beforeEach/afterEach hooks; call the returned function inside a test for the open database. */
export function useTempDb(prefix: string): () => Db {
  let dir: string;
  let db: Db | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), `briefing-${prefix}-`));
    db = openDatabase(dir);
  });
  afterEach(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => db!;
}

/** Confirmed subscribers `r0@example.org`…, each with a delivery row for `editionId` (status by index); their ids. */
export function seedDeliveries(db: Db, editionId: string, count: number, status: (i: number) => string = () => 'pending'): number[] {
  return Array.from({ length: count }, (_, i) => {
    const outcome = addSubscriber(db, { email: `r${i}@example.org`, source: 'cli' });
    if (outcome.action === 'refused') throw new Error(outcome.reason);
    db.prepare('INSERT INTO deliveries (edition_id, subscriber_id, status, updated_at) VALUES (?, ?, ?, ?)').run(editionId, outcome.subscriber.id, status(i), nowIso());
    return outcome.subscriber.id;
  });
}
