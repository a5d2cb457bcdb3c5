/** collectGarbage: memory nothing refers to any more is given back at once, not at V8's leisure. */
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/memory.js';

describe('collectGarbage', () => {
  it('frees unreachable memory now', () => {
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    // About 80 MB of small strings, then dropped.
    let garbage: string[] | undefined = Array.from({ length: 1_000_000 }, (_, i) => `brief ${i} `.repeat(4));
    const grown = process.memoryUsage().heapUsed;
    expect(grown - before).toBeGreaterThan(50e6);
    expect(garbage.length).toBe(1_000_000);
    garbage = undefined;
    collectGarbage();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(10e6);
  });
});
