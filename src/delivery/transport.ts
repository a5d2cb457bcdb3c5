/**
 * Where messages go. The contract is tiny (`{ name, send(raw, envelope), close }`)
 * so SMTP (smtp-pool.ts), the .eml outbox (outbox.ts) and anything a test
 * needs can all meet it; transport-from-config.ts picks one.
 *
 * `send` rejects with a TransportError that says what the failure means for
 * the message: transient (retry later), permanent (5xx: bounced) or
 * uncertain (the connection died after the whole message went out: it may
 * have been delivered, so it is not retried automatically).
 */
export interface Envelope {
  from: string;
  to: string[];
}

/**
 * A message as slices that are not joined (see MessageTemplate.renderWire).
 * `smtpSafe`: CRLF line ends only, no line starting with '.', ends with CRLF,
 * so it can be written into SMTP DATA as it is, with no dot-stuffing pass.
 */
export interface WireMessage {
  readonly chunks: readonly Buffer[];
  readonly length: number;
  readonly smtpSafe: boolean;
}

export type RawMessage = Buffer | string | WireMessage;

export interface Transport {
  name: string;
  /** Writes files for someone on this machine to open (the outbox), rather than mailing readers (see linkBase). */
  readonly local?: boolean;
  /**
   * `beforeData`, when given, is called right before the message itself is handed over (for SMTP: after
   * the server's 354, before the first byte of DATA; the envelope may already have gone out). If it
   * throws, none of the message is sent and the send fails as transient.
   */
  send(raw: RawMessage, envelope: Envelope, beforeData?: () => void): Promise<{ response: string }>;
  /**
   * Optional: one connection, opened and closed, before anything is sent: resolves when the relay greets (and
   * takes the login); rejects with a BriefingError that says plainly what is wrong, within 30 s.
   */
  verify?(): Promise<void>;
  /** Optional: open connections now, so the first messages do not wait for them. */
  warm?(): void;
  close(): Promise<void>;
}

export const isWire = (raw: RawMessage): raw is WireMessage => typeof raw === 'object' && !Buffer.isBuffer(raw);

/** The message as one Buffer (for DKIM, the outbox and the generic SMTP path). */
export function joinMessage(raw: RawMessage): Buffer {
  if (typeof raw === 'string') return Buffer.from(raw);
  if (Buffer.isBuffer(raw)) return raw;
  return raw.chunks.length === 1 ? raw.chunks[0]! : Buffer.concat(raw.chunks as Buffer[], raw.length);
}

export type FailureKind = 'transient' | 'permanent' | 'uncertain';

export class TransportError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly response: string,
    readonly responseCode?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

