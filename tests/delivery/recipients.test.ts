/** The recipients stream, on a real SQLite file: paging, order, statuses, and rows that change mid-stream. */
import { beforeEach, describe, expect, it } from 'vitest';
import { countByStatus, streamRecipients, type RecipientStream } from '../../src/delivery/recipients.js';
import { addSubscriber, unsubscribeSubscriber } from '../../src/delivery/subscribers.js';
import { nowIso, type Db } from '../../src/store/db.js';
import { seedDeliveries, useTempDb } from '../helpers/db.js';

const EDITION = '2026-11-23';
const database = useTempDb('recipients');
let db: Db;
beforeEach(() => {
  db = database();
});

const seed = (n: number, status?: (i: number) => string) => seedDeliveries(db, EDITION, n, status);

const drain = (stream: RecipientStream) => {
  const out: number[] = [];
  for (let r = stream.next(); r; r = stream.next()) out.push(r.subscriber_id);
  return out;
};

describe('streamRecipients', () => {
  it('reads every outstanding row once, in subscriber order, across pages', () => {
    const ids = seed(23);
    expect(drain(streamRecipients(db, EDITION, { pageSize: 5 }))).toEqual(ids);
  });

  it('streams pending, sending and failed rows; uncertain only when asked; never sent or bounced', () => {
    const statuses = ['pending', 'sending', 'failed', 'uncertain', 'sent', 'bounced'];
    const ids = seed(6, (i) => statuses[i]!);
    expect(drain(streamRecipients(db, EDITION))).toEqual(ids.slice(0, 3));
    expect(drain(streamRecipients(db, EDITION, { includeUncertain: true }))).toEqual(ids.slice(0, 4));
  });

  it('leaves out subscribers who are no longer confirmed', () => {
    const ids = seed(3);
    unsubscribeSubscriber(db, ids[1]!);
    expect(drain(streamRecipients(db, EDITION))).toEqual([ids[0], ids[2]]);
  });

  it('a row sent while the stream runs is not read again, and no row is skipped', () => {
    const ids = seed(10);
    const stream = streamRecipients(db, EDITION, { pageSize: 4 });
    const seen: number[] = [];
    for (let r = stream.next(); r; r = stream.next()) {
      seen.push(r.subscriber_id);
      db.prepare(`UPDATE deliveries SET status = 'sent' WHERE edition_id = ? AND subscriber_id = ?`).run(EDITION, r.subscriber_id);
    }
    expect(seen).toEqual(ids);
  });

  it('gives each recipient the subscriber fields a message needs', () => {
    addSubscriber(db, { email: 'ada@example.org', name: 'Ada', themes: ['safety'], source: 'cli' });
    db.prepare(`INSERT INTO deliveries (edition_id, subscriber_id, status, updated_at) SELECT ?, id, 'pending', ? FROM subscribers`).run(EDITION, nowIso());
    expect(streamRecipients(db, EDITION).next()).toMatchObject({ email: 'ada@example.org', name: 'Ada', themes: expect.stringContaining('safety'), status: 'pending', attempts: 0 });
  });
});

describe('countByStatus', () => {
  it('counts the rows of confirmed subscribers by status', () => {
    seed(5, (i) => (i < 3 ? 'sent' : 'pending'));
    expect(countByStatus(db, EDITION)).toEqual({ sent: 3, pending: 2 });
    expect(countByStatus(db, '2000-01-01')).toEqual({});
  });
});
