/** The retry queue: backoff with jitter, which item is due, waiting and wake-ups (with a test clock). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, createRetryQueue } from '../../src/delivery/retry-queue.js';

afterEach(() => vi.useRealTimers());

describe('backoffMs', () => {
  it('doubles with each try, within ±25% jitter', () => {
    expect([1, 2, 3, 4].map((t) => backoffMs(100, t, 0.5))).toEqual([100, 200, 400, 800]);
    expect(backoffMs(100, 1, 0)).toBe(75);
    expect(backoffMs(100, 1, 0.999999)).toBeCloseTo(125, 3);
  });
});

describe('createRetryQueue', () => {
  it('gives an item back only once its backoff is over, the earliest due first', () => {
    let now = 1_000;
    const queue = createRetryQueue<string>({ baseMs: 100, random: () => 0.5, now: () => now });
    expect(queue.add('second try', 2)).toBe(200);
    expect(queue.add('first try', 1)).toBe(100);
    expect(queue.size).toBe(2);
    expect(queue.takeDue()).toBeUndefined();
    now += 250;
    expect(queue.takeDue()).toBe('first try'); // due at 1,100, before 'second try' at 1,200
    expect(queue.takeDue()).toBe('second try');
    expect(queue.takeDue()).toBeUndefined();
    expect(queue.size).toBe(0);
  });

  it('waitForDue resolves at once when empty, and when the earliest item is due', async () => {
    vi.useFakeTimers();
    const queue = createRetryQueue<string>({ baseMs: 100, random: () => 0.5 });
    await queue.waitForDue();
    queue.add('a', 1);
    let woke = false;
    const waiting = queue.waitForDue().then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(queue.takeDue()).toBe('a');
  });

  it('a new item and wake() both wake a waiting slot early', async () => {
    vi.useFakeTimers();
    const queue = createRetryQueue<string>({ baseMs: 10_000, random: () => 0.5 });
    queue.add('slow', 1);
    const first = queue.waitForDue();
    queue.add('another', 1);
    await first; // woken by the add, long before 10 s
    const second = queue.waitForDue();
    queue.wake();
    await second;
    expect(vi.getTimerCount()).toBe(0); // a woken wait leaves no timer behind
  });

  it('drain hands back every waiting item and empties the queue', () => {
    const queue = createRetryQueue<number>({ baseMs: 1 });
    queue.add(1, 1);
    queue.add(2, 3);
    expect(queue.drain().sort()).toEqual([1, 2]);
    expect(queue.size).toBe(0);
  });
});
