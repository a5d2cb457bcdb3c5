/**
 * The retry queue: messages whose attempt failed transiently wait here for
 * their backoff (1×, 2×, 4×… the base, with ±25% jitter so a pool's retries
 * do not all come back at once). A slot with nothing else to do waits for
 * the earliest one, and is woken early when a new retry arrives (it may be
 * due sooner) or when the send stops.
 */

export interface RetryQueueOptions {
  /** The first backoff, in ms (delivery.retry_base_ms). */
  baseMs: number;
  /** For tests: the jitter's source, 0 ≤ x < 1. */
  random?: () => number;
  /** For tests: the clock. */
  now?: () => number;
}

export interface RetryQueue<T> {
  /** Queues an item after its `tries`-th failed attempt (1 for the first); returns the backoff in ms. */
  add(item: T, tries: number): number;
  /** The item whose backoff ended first, if one has ended. */
  takeDue(): T | undefined;
  /** How many wait. */
  readonly size: number;
  /** Every waiting item, removed from the queue (when the send stops). */
  drain(): T[];
  /** Resolves when the earliest item is due, or sooner when woken. At once when the queue is empty. */
  waitForDue(): Promise<void>;
  /** Wakes every waiter now (a new item, an abort, a failure). */
  wake(): void;
}

export function backoffMs(baseMs: number, tries: number, random: number): number {
  return baseMs * 2 ** (tries - 1) * (0.75 + random * 0.5);
}

export function createRetryQueue<T>(options: RetryQueueOptions): RetryQueue<T> {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const waiting: { item: T; readyAt: number }[] = [];
  const sleepers = new Set<() => void>();

  const wake = () => {
    for (const w of sleepers) w();
    sleepers.clear();
  };

  return {
    add(item, tries) {
      const delay = backoffMs(options.baseMs, tries, random());
      waiting.push({ item, readyAt: now() + delay });
      wake();
      return delay;
    },
    takeDue() {
      const t = now();
      let due = -1;
      for (let i = 0; i < waiting.length; i++) {
        if (waiting[i]!.readyAt <= t && (due < 0 || waiting[i]!.readyAt < waiting[due]!.readyAt)) due = i;
      }
      return due >= 0 ? waiting.splice(due, 1)[0]!.item : undefined;
    },
    get size() {
      return waiting.length;
    },
    drain: () => waiting.splice(0).map((w) => w.item),
    waitForDue() {
      if (waiting.length === 0) return Promise.resolve();
      const ms = Math.max(0, Math.min(...waiting.map((w) => w.readyAt)) - now());
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        sleepers.add(done);
      });
    },
    wake,
  };
}
