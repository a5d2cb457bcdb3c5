/**
 * What a failed attempt means: for its delivery row (retry now, or end this
 * run bounced, failed or uncertain) and, through its class, for its
 * subscriber (see suppression.ts). A pure decision from the transport's
 * verdict, the answer's words and how many tries the message has had.
 */
import { classifyAnswer, type AnswerClass } from './answers.js';
import type { TransportError } from './transport.js';

/** `connection`: no answer at all (refused, timed out, dropped). */
export type FailureClass = AnswerClass | 'connection';

export interface AttemptOutcome {
  next: 'retry' | 'bounced' | 'failed' | 'uncertain';
  class: FailureClass;
  /** The enhanced status code, when the answer had one. */
  status?: string;
}

export interface AttemptContext {
  /** Attempts made in this run, this one included. */
  tries: number;
  /** delivery.max_attempts. */
  maxAttempts: number;
  /** The send is stopping: a transient failure is not retried in this run. */
  stopping: boolean;
}

export function outcomeOf(error: TransportError, context: AttemptContext): AttemptOutcome {
  if (error.kind === 'uncertain') return { next: 'uncertain', class: 'connection' };
  const answer = error.responseCode === undefined ? { class: 'connection' as const } : classifyAnswer({ code: error.responseCode, text: error.response });
  // Only a dead mailbox ends as 'bounced'; every other refusal is 'failed', and a later send tries it again.
  if (error.kind === 'permanent') return { ...answer, next: answer.class === 'hard' ? 'bounced' : 'failed' };
  return { ...answer, next: context.tries < context.maxAttempts && !context.stopping ? 'retry' : 'failed' };
}

/** The answers the circuit breaker counts: the relay, the sender or the message refused, not an address. */
export const countsAgainstTheSend = (c: FailureClass): boolean => c === 'blocked' || c === 'connection';
