/**
 * A sliding-window limit per key (an IP address, an email address), kept in
 * memory: a restart forgets it, which is acceptable for a subscribe form.
 * Bounded: old keys are dropped so a flood of distinct keys cannot grow it.
 */
export interface RateLimiter {
  /** Records an attempt; false when the key has used up its allowance. */
  allow(key: string): boolean;
}

export function createRateLimiter(perWindow: number, windowMs = 3_600_000, maxKeys = 50_000, now: () => number = Date.now): RateLimiter {
  const hits = new Map<string, number[]>();
  return {
    allow(key) {
      const t = now();
      const recent = (hits.get(key) ?? []).filter((at) => t - at < windowMs);
      if (recent.length >= perWindow) {
        hits.set(key, recent);
        return false;
      }
      recent.push(t);
      hits.delete(key); // re-insert: Map order doubles as least-recently-used order
      hits.set(key, recent);
      if (hits.size > maxKeys) hits.delete(hits.keys().next().value!);
      return true;
    },
  };
}
