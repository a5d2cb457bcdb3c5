/**
 * The live schedule with an injected clock and a recording tick: which tick
 * runs when, with a real SQLite database holding the tick records.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { createSchedule, type Slot } from '../../src/schedule/plan.js';
import { createScheduler, type Scheduler, type TickMode } from '../../src/schedule/scheduler.js';
import { finishTick, lastDoneSlot, pruneTicks, recentTicks, scheduleSince, startTick, type TickReason, type TickResult } from '../../src/schedule/ticks.js';
import type { TickSummary } from '../../src/schedule/tick.js';
import { tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject;
let db: Db;
let clock: Date;
let lines: string[];
const log: Logger = { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };

beforeEach(() => {
  project = tempProject();
  db = openDatabase(project.dataDir);
  lines = [];
});
afterEach(() => {
  db.close();
  project.cleanup();
});

interface Run {
  slot: Slot;
  reason: TickReason;
  mode: TickMode;
  signal: AbortSignal;
  finish(result?: TickResult): void;
}

/** A scheduler whose ticks record themselves like runTick does and finish when the test says. */
function scheduler(cron: string, zone: string, options: { autoFinish?: boolean; hasUnsent?: () => boolean } = {}): { s: Scheduler; runs: Run[] } {
  const runs: Run[] = [];
  const s = createScheduler({
    schedule: createSchedule(cron, zone),
    db,
    log,
    now: () => clock,
    ...(options.hasUnsent ? { hasUnsent: options.hasUnsent } : {}),
    run: (slot, reason, signal, mode) =>
      new Promise<TickSummary>((resolve) => {
        const id = startTick(db, { slot: slot.key, reason, owner: 'test', startedAt: clock });
        const finish = (result: TickResult = 'sent') => {
          finishTick(db, id, { result, finishedAt: clock });
          resolve({ status: result, slot: slot.key, reason, sent: 0, failed: 0, pending: 0, badBriefs: 0, durationMs: 0, line: '' });
        };
        signal.addEventListener('abort', () => finish('interrupted'), { once: true });
        runs.push({ slot, reason, mode, signal, finish });
        if (options.autoFinish) finish();
      }),
  });
  return { s, runs };
}

describe('scheduler', () => {
  it('owes nothing on a fresh install, then runs the first tick when its time comes', async () => {
    clock = new Date('2026-11-25T10:00:00Z');
    const { s, runs } = scheduler('0 7 * * 1', 'Europe/Berlin', { autoFinish: true });
    expect(s.check('start')).toBeNull();
    expect(s.next().key).toBe('2026-11-30T06:00:00.000Z');
    clock = new Date('2026-11-30T06:00:00Z');
    await s.check('cron');
    expect(runs.map((r) => [r.slot.key, r.reason])).toEqual([['2026-11-30T06:00:00.000Z', 'scheduled']]);
    expect(lastDoneSlot(db)?.toISOString()).toBe('2026-11-30T06:00:00.000Z');
    // node-cron and the backup timer both ask; the tick ran once.
    expect(s.check('timer')).toBeNull();
    expect(runs).toHaveLength(1);
  });

  it('runs ticks missed while the service was down once at start, not once per missed tick', async () => {
    // The schedule started long ago and last ran on 2 November; the service was down for three Mondays.
    scheduleSince(db, new Date('2026-10-01T00:00:00Z'));
    const id = startTick(db, { slot: '2026-11-02T06:00:00.000Z', reason: 'scheduled', owner: 'old', startedAt: new Date('2026-11-02T06:00:00Z') });
    finishTick(db, id, { result: 'sent', finishedAt: new Date('2026-11-02T06:01:00Z') });

    clock = new Date('2026-11-25T10:00:00Z');
    const { s, runs } = scheduler('0 7 * * 1', 'Europe/Berlin', { autoFinish: true });
    await s.check('start');
    expect(runs.map((r) => [r.slot.key, r.reason])).toEqual([['2026-11-23T06:00:00.000Z', 'catch-up']]);
    expect(lines.join('\n')).toMatch(/3 ticks were missed .* running the latest \(2026-11-23 07:00 Europe\/Berlin\) once/);
    expect(s.check('start')).toBeNull();
    expect(s.check('cron')).toBeNull();
    expect(runs).toHaveLength(1);
  });

  it('never overlaps: a tick arriving while one runs waits (logged), and runs once when that one finishes', async () => {
    scheduleSince(db, new Date('2026-11-25T09:00:00Z'));
    clock = new Date('2026-11-25T10:00:00Z');
    const { s, runs } = scheduler('0 * * * *', 'UTC');
    const first = s.check('cron');
    expect(first).not.toBeNull();
    expect(s.running).toBe(first);
    // An hour later the first tick is still sending; node-cron and the backup timer both ask.
    clock = new Date('2026-11-25T11:00:00Z');
    expect(s.check('cron')).toBeNull();
    expect(s.check('timer')).toBeNull();
    expect(runs).toHaveLength(1);
    expect(lines.filter((l) => /waits/.test(l))).toEqual([
      'tick 2026-11-25T11:00:00.000Z (2026-11-25 11:00 UTC) waits: the tick for 2026-11-25T10:00:00.000Z is still running, and ticks never overlap',
    ]);
    runs[0]!.finish();
    await first;
    // The waiting 11:00 tick starts as soon as the first one is done, and only once.
    expect(runs.map((r) => [r.slot.key, r.reason])).toEqual([
      ['2026-11-25T10:00:00.000Z', 'scheduled'],
      ['2026-11-25T11:00:00.000Z', 'scheduled'],
    ]);
    const second = s.running;
    expect(second).not.toBeNull();
    expect(s.check('cron')).toBeNull();
    runs[1]!.finish();
    await second;
    expect(s.check('cron')).toBeNull();
    expect(runs).toHaveLength(2);
    await s.stop();
  });

  it('does not retry at once a tick that found another process holding the lock', async () => {
    scheduleSince(db, new Date('2026-11-25T09:00:00Z'));
    clock = new Date('2026-11-25T10:00:00Z');
    let calls = 0;
    const s = createScheduler({
      schedule: createSchedule('0 * * * *', 'UTC'),
      db,
      log,
      now: () => clock,
      run: async (slot, reason) => {
        calls += 1;
        return { status: 'locked', slot: slot.key, reason, sent: 0, failed: 0, pending: 0, badBriefs: 0, durationMs: 0, line: '' };
      },
    });
    await s.check('cron');
    expect(calls).toBe(1);
    expect(s.running).toBeNull();
    await s.stop();
  });

  it('runs a tick in the New York fall-back overlap once, though node-cron fires at 01:30 twice', async () => {
    scheduleSince(db, new Date('2026-10-30T00:00:00Z'));
    const { s, runs } = scheduler('30 1 * * *', 'America/New_York', { autoFinish: true });
    clock = new Date('2026-11-01T05:30:00Z'); // 01:30 EDT
    await s.check('cron');
    clock = new Date('2026-11-01T06:30:00Z'); // 01:30 EST: node-cron matches the wall time again
    expect(s.check('cron')).toBeNull();
    expect(runs.map((r) => r.slot.key)).toEqual(['2026-11-01T05:30:00.000Z']);
  });

  it('runs a tick in the Berlin spring-forward gap once, from the backup timer (node-cron never matches 02:30)', async () => {
    scheduleSince(db, new Date('2026-03-27T00:00:00Z'));
    const { s, runs } = scheduler('30 2 * * *', 'Europe/Berlin', { autoFinish: true });
    clock = new Date('2026-03-29T01:30:01Z'); // 03:30:01 CEST: the backup timer's moment
    await s.check('timer');
    clock = new Date('2026-03-29T01:31:00Z');
    expect(s.check('timer')).toBeNull();
    expect(runs.map((r) => [r.slot.key, r.slot.wall])).toEqual([['2026-03-29T01:30:00.000Z', '2026-03-29 02:30']]);
  });

  it('on stop, aborts the running tick and waits for it; a restart runs the interrupted tick again', async () => {
    scheduleSince(db, new Date('2026-11-29T00:00:00Z'));
    clock = new Date('2026-11-30T06:00:00Z');
    const first = scheduler('0 7 * * 1', 'Europe/Berlin');
    first.s.check('cron');
    expect(first.runs).toHaveLength(1);
    await first.s.stop();
    expect(first.runs[0]!.signal.aborted).toBe(true);
    expect(recentTicks(db)[0]).toMatchObject({ slot: '2026-11-30T06:00:00.000Z', result: 'interrupted' });
    // Stopped: no more ticks are taken.
    expect(first.s.check('cron')).toBeNull();

    clock = new Date('2026-11-30T06:05:00Z');
    const second = scheduler('0 7 * * 1', 'Europe/Berlin', { autoFinish: true });
    await second.s.check('start');
    expect(second.runs.map((r) => [r.slot.key, r.reason])).toEqual([['2026-11-30T06:00:00.000Z', 'catch-up']]);
    expect(lastDoneSlot(db)?.toISOString()).toBe('2026-11-30T06:00:00.000Z');
  });

  it('runs a tick again whose process died mid-send (started, never finished)', async () => {
    scheduleSince(db, new Date('2026-11-29T00:00:00Z'));
    startTick(db, { slot: '2026-11-30T06:00:00.000Z', reason: 'scheduled', owner: 'crashed', startedAt: new Date('2026-11-30T06:00:00Z') });
    clock = new Date('2026-11-30T08:00:00Z');
    const { s, runs } = scheduler('0 7 * * 1', 'Europe/Berlin', { autoFinish: true });
    await s.check('start');
    expect(runs.map((r) => r.slot.key)).toEqual(['2026-11-30T06:00:00.000Z']);
  });

  it('at start, resumes an interrupted send even when no tick is due, without assembling (mode resume)', async () => {
    scheduleSince(db, new Date('2026-11-20T00:00:00Z'));
    const id = startTick(db, { slot: '2026-11-23T06:00:00.000Z', reason: 'scheduled', owner: 'old', startedAt: new Date('2026-11-23T06:00:00Z') });
    finishTick(db, id, { result: 'sent', finishedAt: new Date('2026-11-23T06:01:00Z') });
    clock = new Date('2026-11-25T10:00:00Z');
    let unsent = true;
    const { s, runs } = scheduler('0 7 * * 1', 'Europe/Berlin', { autoFinish: true, hasUnsent: () => unsent });
    s.start();
    try {
      expect(runs.map((r) => [r.slot.key, r.reason, r.mode])).toEqual([['2026-11-25T10:00:00.000Z', 'catch-up', 'resume']]);
      expect(lines).toContain('resuming an edition whose sending was interrupted');
      await s.running;
      unsent = false;
      // The resume does not count as a missed scheduled tick, nor hide the next one.
      expect(s.check('cron')).toBeNull();
      expect(s.next().key).toBe('2026-11-30T06:00:00.000Z');
    } finally {
      await s.stop();
    }
  });

  it('at start, does not resume when nothing is unsent', async () => {
    scheduleSince(db, new Date('2026-11-20T00:00:00Z'));
    const id = startTick(db, { slot: '2026-11-23T06:00:00.000Z', reason: 'scheduled', owner: 'old', startedAt: new Date('2026-11-23T06:00:00Z') });
    finishTick(db, id, { result: 'sent', finishedAt: new Date('2026-11-23T06:01:00Z') });
    clock = new Date('2026-11-25T10:00:00Z');
    const { s, runs } = scheduler('0 7 * * 1', 'Europe/Berlin', { autoFinish: true, hasUnsent: () => false });
    s.start();
    await s.stop();
    expect(runs).toHaveLength(0);
  });

  it('forgets old "nothing to do" ticks but keeps the last done one and every tick that sent', () => {
    const record = (slot: string, result: TickResult) => finishTick(db, startTick(db, { slot, reason: 'scheduled', owner: 'x', startedAt: new Date(slot) }), { result, finishedAt: new Date(slot) });
    record('2026-01-01T00:00:00.000Z', 'sent');
    for (let i = 1; i <= 20; i++) record(new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), 'nothing');
    pruneTicks(db, 5);
    const left = recentTicks(db, 100);
    expect(left.map((t) => t.result)).toEqual(['nothing', 'nothing', 'nothing', 'nothing', 'nothing', 'sent']);
    expect(lastDoneSlot(db)?.toISOString()).toBe('2026-01-01T00:00:20.000Z');
  });
});
