import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { createSchedule, planTick, type Schedule } from '../../src/schedule/plan.js';
import { fromWall, toWall } from '../../src/schedule/zone.js';

const at = (iso: string) => new Date(iso);

/** Every tick in [from, until), as UTC ISO keys, walking next() from just before `from`. */
function ticks(schedule: Schedule, from: string, until: string): string[] {
  const out: string[] = [];
  let cursor = new Date(at(from).getTime() - 1);
  for (;;) {
    const slot = schedule.next(cursor);
    if (slot.at >= at(until)) return out;
    out.push(slot.key);
    cursor = slot.at;
  }
}

/** The same ticks found walking backwards with previous(). */
function ticksBackwards(schedule: Schedule, from: string, until: string): string[] {
  const out: string[] = [];
  let cursor = new Date(at(until).getTime() - 1);
  for (;;) {
    const slot = schedule.previous(cursor);
    if (!slot || slot.at < at(from)) return out.reverse();
    out.push(slot.key);
    cursor = new Date(slot.at.getTime() - 1);
  }
}

describe('zone arithmetic', () => {
  it('maps a wall time in the spring-forward gap forward by the gap, and one in the overlap to its first occurrence', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(new Date(fromWall(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(new Date(fromWall(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York')).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(new Date(toWall(Date.parse('2026-11-01T06:30:00Z'), 'America/New_York')).toISOString()).toBe('2026-11-01T01:30:00.000Z');
  });
});

describe('createSchedule', () => {
  it('refuses an invalid expression and one that never runs, naming schedule.cron', () => {
    expect(() => createSchedule('not a cron', 'UTC')).toThrow(InputError);
    expect(() => createSchedule('not a cron', 'UTC')).toThrow(/schedule\.cron/);
    expect(() => createSchedule('0 0 30 2 *', 'UTC')).toThrow(/schedule\.cron "0 0 30 2 \*"/);
  });

  it('runs the default (Mondays 07:00) at 07:00 local time on both sides of a DST change', () => {
    const schedule = createSchedule('0 7 * * 1', 'America/New_York');
    expect(ticks(schedule, '2026-10-26T00:00:00Z', '2026-11-10T00:00:00Z')).toEqual([
      '2026-10-26T11:00:00.000Z', // EDT
      '2026-11-02T12:00:00.000Z', // EST
      '2026-11-09T12:00:00.000Z',
    ]);
  });

  it('supports a seconds field', () => {
    const schedule = createSchedule('*/20 * * * * *', 'UTC');
    expect(ticks(schedule, '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
    ]);
  });
});

describe('DST: a tick in a gap or an overlap runs exactly once', () => {
  const cases: { zone: string; cron: string; from: string; until: string; expected: string[]; why: string }[] = [
    {
      why: 'New York spring forward: 02:30 does not exist; it runs once, at 03:30 EDT',
      zone: 'America/New_York',
      cron: '30 2 * * *',
      from: '2026-03-07T00:00:00Z',
      until: '2026-03-10T00:00:00Z',
      expected: ['2026-03-07T07:30:00.000Z', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z'],
    },
    {
      why: 'New York spring forward: 02:00 moves onto 03:00, and the two are one tick',
      zone: 'America/New_York',
      cron: '0 1-3 * * *',
      from: '2026-03-08T00:00:00Z',
      until: '2026-03-08T12:00:00Z',
      expected: ['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z'],
    },
    {
      why: 'New York fall back: 01:30 happens twice; it runs at the first',
      zone: 'America/New_York',
      cron: '30 1 * * *',
      from: '2026-10-31T00:00:00Z',
      until: '2026-11-03T00:00:00Z',
      expected: ['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    },
    {
      why: 'New York fall back: 01:00, 02:00, 03:00 run once each although 01:xx repeats',
      zone: 'America/New_York',
      cron: '0 1-3 * * *',
      from: '2026-11-01T00:00:00Z',
      until: '2026-11-01T12:00:00Z',
      expected: ['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z'],
    },
    {
      why: 'Berlin spring forward: 02:30 does not exist; it runs once, at 03:30 CEST',
      zone: 'Europe/Berlin',
      cron: '30 2 * * *',
      from: '2026-03-28T00:00:00Z',
      until: '2026-03-31T00:00:00Z',
      expected: ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'],
    },
    {
      why: 'Berlin spring forward: 02:00 moves onto 03:00, and the two are one tick',
      zone: 'Europe/Berlin',
      cron: '0 1-3 * * *',
      from: '2026-03-28T22:00:00Z',
      until: '2026-03-29T06:00:00Z',
      expected: ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z'],
    },
    {
      why: 'Berlin fall back: 02:30 happens twice; it runs at the first',
      zone: 'Europe/Berlin',
      cron: '30 2 * * *',
      from: '2026-10-24T00:00:00Z',
      until: '2026-10-27T00:00:00Z',
      expected: ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    },
    {
      why: 'Berlin fall back: an hourly cron does not run 02:00 twice',
      zone: 'Europe/Berlin',
      cron: '0 * * * *',
      from: '2026-10-24T23:00:00Z',
      until: '2026-10-25T04:00:00Z',
      expected: ['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z'],
    },
  ];

  for (const c of cases) {
    it(c.why, () => {
      const schedule = createSchedule(c.cron, c.zone);
      expect(ticks(schedule, c.from, c.until)).toEqual(c.expected);
      expect(ticksBackwards(schedule, c.from, c.until)).toEqual(c.expected);
    });
  }

  it('gives the gap tick the wall time and date the cron named', () => {
    const slot = createSchedule('30 2 * * *', 'America/New_York').next(at('2026-03-08T00:00:00Z'));
    expect(slot).toMatchObject({ key: '2026-03-08T07:30:00.000Z', wall: '2026-03-08 02:30', date: '2026-03-08' });
  });

  it('does not run the overlap tick again when the clock passes it a second time', () => {
    const schedule = createSchedule('30 1 * * *', 'America/New_York');
    // The 01:30 EDT tick ran; it is now 01:30 EST (06:30Z), the same wall time an hour later.
    const plan = planTick(schedule, { now: at('2026-11-01T06:30:00Z'), lastDone: at('2026-11-01T05:30:00Z') });
    expect(plan.due).toBeNull();
    expect(plan.next.key).toBe('2026-11-02T06:30:00.000Z');
  });

  it('runs the gap tick once when the clock reaches it, and not again at 03:30 wall time', () => {
    const schedule = createSchedule('30 2,3 * * *', 'America/New_York');
    const first = planTick(schedule, { now: at('2026-03-08T07:30:00Z'), lastDone: at('2026-03-07T08:30:00Z') });
    expect(first.due?.key).toBe('2026-03-08T07:30:00.000Z');
    const after = planTick(schedule, { now: at('2026-03-08T07:30:01Z'), lastDone: first.due!.at });
    expect(after.due).toBeNull();
    expect(after.next.key).toBe('2026-03-09T06:30:00.000Z');
  });
});

describe('planTick: catch-up', () => {
  const schedule = createSchedule('0 7 * * 1', 'Europe/Berlin');

  it('runs a tick that was missed while the service was down once, not once per missed tick', () => {
    // Last done: Monday 2 Nov. Down until Wednesday 25 Nov: 9, 16 and 23 Nov were missed.
    const plan = planTick(schedule, { now: at('2026-11-25T10:00:00Z'), lastDone: at('2026-11-02T06:00:00Z') });
    expect(plan.due?.key).toBe('2026-11-23T06:00:00.000Z');
    expect(plan.due?.date).toBe('2026-11-23');
    expect(plan.missed).toBe(3);
    expect(plan.next.key).toBe('2026-11-30T06:00:00.000Z');
    // Once that tick is done, nothing else is owed.
    expect(planTick(schedule, { now: at('2026-11-25T10:00:01Z'), lastDone: plan.due!.at }).due).toBeNull();
  });

  it('has nothing due between ticks', () => {
    const plan = planTick(schedule, { now: at('2026-11-24T10:00:00Z'), lastDone: at('2026-11-23T06:00:00Z') });
    expect(plan).toMatchObject({ due: null, missed: 0 });
    expect(plan.next.key).toBe('2026-11-30T06:00:00.000Z');
  });

  it('runs an on-time tick at its instant, counting it as one', () => {
    const plan = planTick(schedule, { now: at('2026-11-30T06:00:00Z'), lastDone: at('2026-11-23T06:00:00Z') });
    expect(plan.due?.key).toBe('2026-11-30T06:00:00.000Z');
    expect(plan.missed).toBe(1);
  });

  it('owes nothing before the schedule ever ran (no last tick)', () => {
    expect(planTick(schedule, { now: at('2026-11-25T10:00:00Z'), lastDone: null }).due).toBeNull();
  });

  it('caps the count of missed per-second ticks instead of walking forever', () => {
    const everySecond = createSchedule('* * * * * *', 'UTC');
    const plan = planTick(everySecond, { now: at('2026-11-25T10:00:00Z'), lastDone: at('2026-11-20T10:00:00Z') });
    expect(plan.due?.key).toBe('2026-11-25T10:00:00.000Z');
    expect(plan.missed).toBe(1000);
  });
});
