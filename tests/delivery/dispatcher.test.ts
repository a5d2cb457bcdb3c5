/** The dispatcher: slots in parallel, stopping on a failure or an abort, and waking slots that wait. */
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/delivery/dispatcher.js';

/** A source of the numbers 1..n, as a recipients stream would give them. */
const source = (n: number) => {
  let next = 1;
  return async () => (next <= n ? next++ : undefined);
};
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createDispatcher', () => {
  it('handles every item once, with at most `slots` in flight at a time', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    const dispatcher = createDispatcher<number>({
      slots: 3,
      take: source(20),
      async handle(item) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await tick();
        seen.push(item);
        inFlight -= 1;
      },
    });
    expect(await dispatcher.run()).toEqual({ aborted: false });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(most).toBe(3);
  });

  it('stops taking items after the first error a handler throws, lets the others in flight finish, and reports it', async () => {
    const finished: number[] = [];
    const boom = new Error('disk full');
    const dispatcher = createDispatcher<number>({
      slots: 2,
      take: source(100),
      async handle(item) {
        await tick();
        if (item === 3) throw boom;
        finished.push(item);
      },
    });
    const result = await dispatcher.run();
    expect(result.failure?.error).toBe(boom);
    expect(dispatcher.stopped).toBe(true);
    expect(finished.length).toBeLessThan(10);
  });

  it('an abort stops it: items in flight finish, no new one is taken', async () => {
    const controller = new AbortController();
    const handled: number[] = [];
    const next = source(100);
    let takenAfterAbort = 0;
    const dispatcher = createDispatcher<number>({
      slots: 2,
      take: () => {
        if (controller.signal.aborted) takenAfterAbort += 1;
        return next();
      },
      signal: controller.signal,
      async handle(item) {
        if (item === 4) controller.abort();
        await tick();
        handled.push(item);
      },
    });
    const result = await dispatcher.run();
    expect(result).toEqual({ aborted: true });
    expect(handled).toContain(4); // in flight when the abort came: finished
    expect(takenAfterAbort).toBe(0);
    expect(Math.max(...handled)).toBeLessThanOrEqual(5);
  });

  it('stop() before run() makes run return at once with that failure, having taken nothing', async () => {
    let taken = 0;
    const dispatcher = createDispatcher<number>({ slots: 2, take: async () => (taken++, 1), handle: async () => {} });
    dispatcher.stop(new Error('variants failed to render'));
    const result = await dispatcher.run();
    expect(String(result.failure?.error)).toMatch(/variants failed/);
    expect(taken).toBe(0);
  });

  it('onStop wakes a slot waiting in take, which then sees it is stopped', async () => {
    const controller = new AbortController();
    let wake: () => void = () => {};
    const dispatcher = createDispatcher<number>({
      slots: 1,
      signal: controller.signal,
      onStop: () => wake(),
      // Waits "for a retry's backoff" until woken, then looks at stopped() again.
      async take(stopped) {
        while (!stopped()) await new Promise<void>((resolve) => (wake = resolve));
        return undefined;
      },
      handle: async () => {},
    });
    const running = dispatcher.run();
    await tick();
    controller.abort();
    expect(await running).toEqual({ aborted: true });
  });
});
