/** The delivery log writer, on a real SQLite file: group commit, the timer, suppression, and a commit that fails. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deliveriesFor } from '../../src/delivery/log.js';
import { createLogWriter } from '../../src/delivery/log-writer.js';
import { getSubscriber } from '../../src/delivery/subscribers.js';
import type { Db } from '../../src/store/db.js';
import { seedDeliveries, useTempDb } from '../helpers/db.js';

const EDITION = '2026-11-23';
const policy = { softBounceLimit: 3 };
const database = useTempDb('log-writer');
let db: Db;
let ids: number[];
beforeEach(() => {
  db = database();
  ids = seedDeliveries(db, EDITION, 3);
});
afterEach(() => vi.useRealTimers());

const statuses = () => deliveriesFor(db, EDITION).map((r) => r.status);

describe('createLogWriter', () => {
  it('writes nothing until flush, then every queued write in one commit', () => {
    const writer = createLogWriter(db, EDITION, { policy, commitWithinMs: 60_000 });
    writer.record({ kind: 'sending', id: ids[0]! });
    writer.record({ kind: 'sending', id: ids[1]! });
    writer.record({ kind: 'done', id: ids[0]!, status: 'sent', response: '250 OK', messageId: 'm0@x' });
    expect(statuses()).toEqual(['pending', 'pending', 'pending']);
    writer.flush();
    expect(statuses()).toEqual(['sent', 'sending', 'pending']);
    expect(deliveriesFor(db, EDITION)[0]).toMatchObject({ attempts: 1, last_response: '250 OK', message_id: 'm0@x' });
  });

  it('commits by itself within commitWithinMs when nothing flushes', () => {
    vi.useFakeTimers();
    const writer = createLogWriter(db, EDITION, { policy, commitWithinMs: 20 });
    writer.record({ kind: 'done', id: ids[2]!, status: 'failed', response: '451 later', messageId: 'm2@x' });
    vi.advanceTimersByTime(19);
    expect(statuses()[2]).toBe('pending');
    vi.advanceTimersByTime(1);
    expect(statuses()[2]).toBe('failed');
  });

  it('a retry counts the attempt, keeps the status and keeps the answer as an event; a hard bounce suppresses', () => {
    const writer = createLogWriter(db, EDITION, { policy });
    writer.record({ kind: 'sending', id: ids[0]! });
    writer.record({ kind: 'retry', id: ids[0]!, response: '421 4.3.2 busy', failure: { class: 'soft', status: '4.3.2' } });
    writer.record({ kind: 'done', id: ids[1]!, status: 'bounced', response: '550 5.1.1 no such user', messageId: 'm1@x', failure: { class: 'hard', status: '5.1.1' } });
    writer.flush();
    expect(deliveriesFor(db, EDITION)[0]).toMatchObject({ status: 'sending', attempts: 1, last_response: '421 4.3.2 busy' });
    expect(getSubscriber(db, ids[0]!)).toMatchObject({ status: 'confirmed' });
    expect(getSubscriber(db, ids[1]!)).toMatchObject({ status: 'suppressed', suppressedReason: `hard bounce on edition ${EDITION}: 550 5.1.1 no such user` });
    const events = db.prepare('SELECT subscriber_id, kind, status, response FROM delivery_events ORDER BY id').all();
    expect(events).toEqual([
      { subscriber_id: ids[0], kind: 'soft', status: '4.3.2', response: '421 4.3.2 busy' },
      { subscriber_id: ids[1], kind: 'hard', status: '5.1.1', response: '550 5.1.1 no such user' },
    ]);
  });

  it('a block is recorded on the row and as an event, and suppresses nobody', () => {
    const writer = createLogWriter(db, EDITION, { policy });
    writer.record({ kind: 'done', id: ids[2]!, status: 'failed', response: '550 5.7.26 unauthenticated', messageId: 'm2@x', failure: { class: 'blocked', status: '5.7.26' } });
    writer.flush();
    expect(deliveriesFor(db, EDITION)[2]).toMatchObject({ status: 'failed', class: 'blocked' });
    expect(getSubscriber(db, ids[2]!)?.status).toBe('confirmed');
  });

  it('after a failed commit, flush keeps throwing and nothing more is written, and onFailure hears of it once', () => {
    // A real SQLite failure: a trigger refuses one row's update, so the whole batch rolls back.
    db.exec(`CREATE TRIGGER refuse BEFORE UPDATE ON deliveries WHEN NEW.subscriber_id = ${ids[1]} BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    const onFailure = vi.fn();
    const writer = createLogWriter(db, EDITION, { policy, onFailure });
    writer.record({ kind: 'done', id: ids[0]!, status: 'sent', response: '250', messageId: 'm0@x' });
    writer.record({ kind: 'sending', id: ids[1]! });
    expect(() => writer.flush()).toThrow(/disk says no/);
    db.exec('DROP TRIGGER refuse');
    writer.record({ kind: 'sending', id: ids[2]! });
    expect(() => writer.flush()).toThrow(/disk says no/);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(statuses()).toEqual(['pending', 'pending', 'pending']);
  });

  it('returnToPending puts the given rows and every row still sending back to pending', () => {
    const writer = createLogWriter(db, EDITION, { policy });
    writer.record({ kind: 'sending', id: ids[0]! });
    writer.record({ kind: 'done', id: ids[1]!, status: 'failed', response: '451', messageId: 'm1@x' });
    writer.record({ kind: 'done', id: ids[2]!, status: 'sent', response: '250', messageId: 'm2@x' });
    writer.flush();
    writer.returnToPending([ids[1]!]);
    expect(statuses()).toEqual(['pending', 'pending', 'sent']);
  });
});
