/**
 * The circuit breaker: a send stops when too many of its latest answers say
 * the relay, the sender or the message is refused (blocks, no connection),
 * rather than grinding through the whole list and marking everyone failed.
 * It counts answers in a sliding window of the last `window`, and trips at
 * `errors` of them (delivery.max_error_rate, default 20 of the last 100).
 */

export interface Breaker {
  /** Counts one answer: `refused` for a block or a connection failure, with its text. True once tripped. */
  record(refused: boolean, answer: string): boolean;
  readonly tripped: boolean;
  /** The most common refusal in the window, and how many times it came. */
  mostCommon(): { answer: string; count: number } | undefined;
  readonly refusals: number;
}

export function createBreaker(limit: { errors: number; window: number }): Breaker {
  const ring: (string | null)[] = [];
  let next = 0;
  let refusals = 0;
  let tripped = false;
  return {
    record(refused, answer) {
      const entry = refused ? normalise(answer) : null;
      if (ring.length < limit.window) ring.push(entry);
      else {
        if (ring[next] !== null) refusals -= 1;
        ring[next] = entry;
        next = (next + 1) % limit.window;
      }
      if (entry !== null) refusals += 1;
      if (refusals >= limit.errors) tripped = true;
      return tripped;
    },
    get tripped() {
      return tripped;
    },
    get refusals() {
      return refusals;
    },
    mostCommon() {
      const counts = new Map<string, number>();
      for (const a of ring) if (a !== null) counts.set(a, (counts.get(a) ?? 0) + 1);
      let best: { answer: string; count: number } | undefined;
      for (const [answer, count] of counts) if (!best || count > best.count) best = { answer, count };
      return best;
    },
  };
}

/** Answers that differ only in an address, a queue id or a number are one answer. */
function normalise(answer: string): string {
  return answer
    .replace(/<[^>]*>/g, '<…>')
    .replace(/\S+@\S+/g, '…@…')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}
