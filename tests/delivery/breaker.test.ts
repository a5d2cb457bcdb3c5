/** The circuit breaker's window: it trips at the limit, forgets what slid out, and names the usual refusal. */
import { describe, expect, it } from 'vitest';
import { createBreaker } from '../../src/delivery/breaker.js';

describe('createBreaker', () => {
  it('trips when `errors` of the last `window` answers are refusals, and stays tripped', () => {
    const breaker = createBreaker({ errors: 3, window: 5 });
    expect(breaker.record(true, '550 5.7.26 unauthenticated <a@x.org>')).toBe(false);
    expect(breaker.record(false, '250 OK')).toBe(false);
    expect(breaker.record(true, '550 5.7.26 unauthenticated <b@x.org>')).toBe(false);
    expect(breaker.record(true, 'connect ECONNREFUSED 127.0.0.1:2525')).toBe(true);
    expect(breaker.record(false, '250 OK')).toBe(true);
    expect(breaker.mostCommon()).toEqual({ answer: '550 5.7.26 unauthenticated <…>', count: 2 });
  });

  it('forgets refusals that slid out of the window', () => {
    const breaker = createBreaker({ errors: 3, window: 4 });
    breaker.record(true, 'x');
    breaker.record(true, 'x');
    for (let i = 0; i < 4; i++) breaker.record(false, '250 OK');
    expect(breaker.refusals).toBe(0);
    breaker.record(true, 'x');
    breaker.record(true, 'x');
    expect(breaker.tripped).toBe(false);
  });

  it('never trips on a small list with fewer refusals than the limit', () => {
    const breaker = createBreaker({ errors: 20, window: 100 });
    for (let i = 0; i < 19; i++) breaker.record(true, '554 blocked');
    expect(breaker.tripped).toBe(false);
    expect(breaker.record(true, '554 blocked')).toBe(true);
  });
});
