/**
 * VERP: each message's envelope sender names the message, so a bounce that
 * comes back to it says which (edition, subscriber) it is about without any
 * guessing from the report's text. The address is
 * `bounce+<edition>.<public id>.<mac>@<delivery.bounce_domain>`, with an
 * HMAC so nobody can forge a bounce for someone else's address. Lowercase hex
 * only: some mail systems lowercase the local part. Messages sent before
 * public ids named the row id (v1), and their bounces still apply.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface BounceTag {
  editionId: string;
  /** The public id, or a row id (as text) in an address from before public ids. */
  subscriber: string;
}

const PREFIX = 'bounce+';
const MAC_HEX = 16;
const TAG = /^bounce\+([0-9]{4}-[0-9]{2}-[0-9]{2})\.([0-9a-f]{18}|[1-9][0-9]{0,14})\.([0-9a-f]{16})@/i;

const macOf = (secret: string, tag: BounceTag) =>
  createHmac('sha256', secret)
    .update(`${/^[0-9a-f]{18}$/.test(tag.subscriber) ? 'briefing-verp-v2' : 'briefing-verp-v1'}\n${tag.editionId}\n${tag.subscriber}`)
    .digest('hex')
    .slice(0, MAC_HEX);

export function bounceAddress(secret: string, domain: string, tag: BounceTag): string {
  return `${PREFIX}${tag.editionId}.${tag.subscriber}.${macOf(secret, tag)}@${domain}`;
}

/** The message a VERP address names, or undefined when it is not one of ours (or its MAC is wrong). */
export function parseBounceAddress(secret: string, address: string): BounceTag | undefined {
  const match = TAG.exec(address.trim().replace(/^<|>$/g, ''));
  if (!match) return undefined;
  const tag = { editionId: match[1]!, subscriber: match[2]!.toLowerCase() };
  const given = Buffer.from(match[3]!.toLowerCase(), 'hex');
  const expected = Buffer.from(macOf(secret, tag), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? tag : undefined;
}
