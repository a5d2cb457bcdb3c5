/**
 * What an SMTP answer (or a bounce report's status) means for a subscriber,
 * read from its enhanced status code (RFC 3463) first and its words second.
 *
 * Only a dead mailbox is a hard bounce. A policy, authentication, content or
 * reputation block (5.7.x; DMARC, SPF, spam, "blocked") says something about
 * the sender or the message, not the address: it never suppresses anyone,
 * or one misconfigured relay (or a DMARC failure at one big provider) would
 * wipe the list. A 5xx answer with no code this knows never suppresses on
 * its first occurrence either; it counts like a soft bounce.
 */

export type AnswerClass =
  /** The mailbox does not exist or is disabled (5.1.x, 5.2.1): suppress the address. */
  | 'hard'
  /** Try later, or a full mailbox (4.x.x, x.2.2): suppress only after several editions in a row. */
  | 'soft'
  /** Refused for policy, authentication, content or reputation: nobody is suppressed. */
  | 'blocked'
  /** A permanent refusal this cannot place: counted like a soft bounce, never suppressed at once. */
  | 'unknown';

export interface Answer {
  /** The basic reply code (250, 451, 550…), when there was one. */
  code?: number | undefined;
  /** The whole response text, code included. */
  text: string;
}

export interface Classified {
  class: AnswerClass;
  /** The enhanced status code found (`5.1.1`), if any. */
  status?: string;
}

const ENHANCED = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;
/** Words that mark a block whatever the code says (providers often answer 550 5.x.x for these). */
const BLOCK_WORDS = /\b(dmarc|spf|dkim|spam|blocked|block ?list|black ?list|deny ?list|reputation|policy|rejected for policy|content rejected|banned)\b/i;
/** Words a dead mailbox is named with, when there is no enhanced code. */
const DEAD_MAILBOX_WORDS = /\b(no such (user|mailbox|recipient)|user unknown|unknown (user|recipient|mailbox)|mailbox (not found|unavailable|does not exist)|does not exist|invalid (recipient|mailbox|address)|recipient rejected|address rejected|account (has been )?disabled)\b/i;
const MAILBOX_FULL_WORDS = /\b(mailbox (is )?full|over ?quota|quota exceeded|insufficient storage)\b/i;

/** The enhanced status code in a response, such as `5.7.26`. */
export function enhancedStatus(text: string): string | undefined {
  return ENHANCED.exec(text)?.slice(1, 4).join('.');
}

export function classifyAnswer(answer: Answer): Classified {
  const status = enhancedStatus(answer.text);
  const withStatus = (c: AnswerClass): Classified => (status ? { class: c, status } : { class: c });
  const first = status?.[0] ?? (answer.code !== undefined ? String(answer.code)[0] : undefined);
  if (first === '2') throw new Error(`not a failure: ${answer.text}`);
  if (first === '4') return withStatus('soft');
  if (status) {
    const [, subject, detail] = status.split('.').map(Number) as [number, number, number];
    if (subject === 7 || BLOCK_WORDS.test(answer.text)) return withStatus('blocked');
    // x.1.7 and x.1.8 are about the sender's address, not the recipient's.
    if (subject === 1 && detail !== 7 && detail !== 8) return withStatus('hard');
    if (subject === 2 && detail === 1) return withStatus('hard');
    if (subject === 2 && detail === 2) return withStatus('soft');
    // x.3 (the receiving system), x.4 (routing), x.5 (protocol), x.6 (the message's content or size).
    if (subject === 6 || (subject === 3 && detail === 4)) return withStatus('blocked');
    return withStatus('unknown');
  }
  if (BLOCK_WORDS.test(answer.text)) return { class: 'blocked' };
  if (MAILBOX_FULL_WORDS.test(answer.text)) return { class: 'soft' };
  if (DEAD_MAILBOX_WORDS.test(answer.text)) return { class: 'hard' };
  return { class: 'unknown' };
}
