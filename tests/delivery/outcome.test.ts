/** What a failed attempt means for its row and, through its class, for its subscriber. */
import { describe, expect, it } from 'vitest';
import { countsAgainstTheSend, outcomeOf } from '../../src/delivery/outcome.js';
import { TransportError, type FailureKind } from '../../src/delivery/transport.js';

const failure = (kind: FailureKind, response: string, code?: number) => new TransportError(kind, response, response, code);
const first = { tries: 1, maxAttempts: 3, stopping: false };

describe('outcomeOf', () => {
  it('only a dead mailbox ends as bounced; a block or an unknown refusal fails, to be sent again by a later run', () => {
    expect(outcomeOf(failure('permanent', '550 5.1.1 no such user', 550), first)).toEqual({ next: 'bounced', class: 'hard', status: '5.1.1' });
    expect(outcomeOf(failure('permanent', '550 5.7.26 DMARC policy', 550), first)).toEqual({ next: 'failed', class: 'blocked', status: '5.7.26' });
    expect(outcomeOf(failure('permanent', '550 Requested action not taken', 550), first)).toEqual({ next: 'failed', class: 'unknown' });
  });

  it('a connection lost after the message went out is uncertain', () => {
    expect(outcomeOf(failure('uncertain', 'Connection closed'), first)).toEqual({ next: 'uncertain', class: 'connection' });
  });

  it('a transient failure is retried until max_attempts, then fails; never retried while the send stops', () => {
    expect(outcomeOf(failure('transient', '451 4.3.0 try later', 451), { ...first, tries: 2 })).toEqual({ next: 'retry', class: 'soft', status: '4.3.0' });
    expect(outcomeOf(failure('transient', '451 4.3.0 try later', 451), { ...first, tries: 3 }).next).toBe('failed');
    expect(outcomeOf(failure('transient', 'connect ECONNREFUSED 127.0.0.1:1'), { ...first, stopping: true })).toEqual({ next: 'failed', class: 'connection' });
  });

  it('the breaker counts blocks and connection failures, not what an address did', () => {
    expect(['hard', 'soft', 'unknown', 'blocked', 'connection'].filter((c) => countsAgainstTheSend(c as never))).toEqual(['blocked', 'connection']);
  });
});
