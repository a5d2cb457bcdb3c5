/** What a failed attempt means for its row. */
import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/delivery/outcome.js';
import { TransportError, type FailureKind } from '../../src/delivery/transport.js';

const failure = (kind: FailureKind) => new TransportError(kind, 'x', 'x');

describe('outcomeOf', () => {
  it('a permanent failure bounces and an uncertain one stays uncertain, whatever the tries', () => {
    expect(outcomeOf(failure('permanent'), { tries: 1, maxAttempts: 3, stopping: false })).toBe('bounced');
    expect(outcomeOf(failure('uncertain'), { tries: 1, maxAttempts: 3, stopping: false })).toBe('uncertain');
  });

  it('a transient failure is retried until max_attempts, then fails; never retried while the send stops', () => {
    expect(outcomeOf(failure('transient'), { tries: 2, maxAttempts: 3, stopping: false })).toBe('retry');
    expect(outcomeOf(failure('transient'), { tries: 3, maxAttempts: 3, stopping: false })).toBe('failed');
    expect(outcomeOf(failure('transient'), { tries: 1, maxAttempts: 3, stopping: true })).toBe('failed');
  });
});
