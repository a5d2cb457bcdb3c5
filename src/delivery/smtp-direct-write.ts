/**
 * SMTPConnection pipes every message through a dot-stuffing Transform that
 * looks at each byte in JavaScript: about 0.5 ms of CPU for a 70 KB message,
 * which alone caps a sender near 2,000 messages/s (CPU profile of the send
 * benchmark: stream writes and DataStream._transform were ~40% of the time).
 * A wire-ready message needs no stuffing, so for it the data stream is
 * replaced by a few corked socket writes of its slices plus ".\r\n", after
 * the 354 exactly as before; the answer is handled by nodemailer's own
 * response action. Everything else (envelope with PIPELINING, STARTTLS, AUTH,
 * errors, timeouts) stays nodemailer's.
 *
 * This reaches into nodemailer's internals, so `directWriteSupport` says
 * whether the installed version still has them: a test fails the suite,
 * naming the version, when it does not, and at run time the SMTP pool warns
 * once and streams every message (slower, still correct).
 */
import { createRequire } from 'node:module';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { WireMessage } from './transport.js';

export interface DirectWrite {
  message: WireMessage;
  beforeData?: (() => void) | undefined;
  written: () => void;
}

/** The parts of nodemailer's SMTPConnection (10.x) that the direct write uses. */
interface ConnectionInternals {
  _socket: { cork(): void; uncork(): void; write(chunk: Buffer): boolean; destroy(error?: Error): void } | false;
  _responseActions: Array<(str: string) => void>;
  _createSendStream(callback: (err: Error | null, str?: string) => void): unknown;
  _actionSMTPStream(str: string, callback: (err: Error | null, str?: string) => void): void;
}

const END_OF_DATA = Buffer.from('.\r\n');

export const nodemailerVersion = (): string => (createRequire(import.meta.url)('nodemailer/package.json') as { version: string }).version;

/** The internals this nodemailer lacks (none: the direct write works). */
export function missingInternals(smtp: SMTPConnection): string[] {
  const internals = smtp as unknown as Partial<Record<keyof ConnectionInternals, unknown>>;
  const missing: string[] = [];
  if (typeof internals._createSendStream !== 'function') missing.push('_createSendStream()');
  if (typeof internals._actionSMTPStream !== 'function') missing.push('_actionSMTPStream()');
  if (!Array.isArray(internals._responseActions)) missing.push('_responseActions[]');
  return missing;
}

/**
 * Makes `smtp` write the current wire message (when `current()` gives one) straight to its socket.
 * Returns false, changing nothing, when this nodemailer lacks the internals.
 */
export function writeWireDirectly(smtp: SMTPConnection, current: () => DirectWrite | undefined): boolean {
  if (missingInternals(smtp).length > 0) return false;
  const internals = smtp as unknown as ConnectionInternals;
  const original = internals._createSendStream;
  internals._createSendStream = function (this: ConnectionInternals, callback) {
    const wire = current();
    const socket = this._socket;
    if (!wire || !socket) return original.call(this, callback);
    this._responseActions.push((str) => this._actionSMTPStream(str, callback));
    let refused = false;
    return {
      outByteCount: wire.message.length + END_OF_DATA.length,
      write() {
        try {
          wire.beforeData?.();
        } catch (error) {
          // Nothing of the message was written: the connection is dropped without ending DATA.
          refused = true;
          socket.destroy(error as Error);
          return;
        }
        socket.cork();
        for (const chunk of wire.message.chunks) socket.write(chunk);
      },
      end() {
        if (refused) return;
        socket.write(END_OF_DATA);
        socket.uncork();
        wire.written();
      },
    };
  };
  return true;
}
