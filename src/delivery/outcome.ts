/**
 * What a failed attempt means for its delivery row: a pure decision from the
 * transport's verdict and how many tries the message has had.
 */
import type { TransportError } from './transport.js';

export type AttemptOutcome = 'bounced' | 'uncertain' | 'retry' | 'failed';

export interface AttemptContext {
  /** Attempts made in this run, this one included. */
  tries: number;
  /** delivery.max_attempts. */
  maxAttempts: number;
  /** The send is stopping: a transient failure is not retried in this run. */
  stopping: boolean;
}

export function outcomeOf(error: TransportError, context: AttemptContext): AttemptOutcome {
  if (error.kind === 'permanent') return 'bounced';
  if (error.kind === 'uncertain') return 'uncertain';
  return context.tries < context.maxAttempts && !context.stopping ? 'retry' : 'failed';
}
