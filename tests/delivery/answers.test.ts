/** Reading SMTP answers and bounce statuses: only a dead mailbox is a hard bounce. */
import { describe, expect, it } from 'vitest';
import { classifyAnswer, enhancedStatus } from '../../src/delivery/answers.js';

const cls = (text: string, code?: number) => classifyAnswer({ code, text }).class;

describe('classifyAnswer', () => {
  it('a dead or disabled mailbox is a hard bounce', () => {
    expect(cls('550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown', 550)).toBe('hard');
    expect(cls('550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 550)).toBe('hard');
    expect(cls('550 5.2.1 The email account that you tried to reach is disabled.', 550)).toBe('hard');
    expect(cls('550 No such user here', 550)).toBe('hard');
  });

  it('policy, authentication, content and reputation blocks never count against the address', () => {
    expect(cls("550 5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.", 550)).toBe('blocked');
    expect(cls('550 5.7.1 Message rejected: content looks like spam', 550)).toBe('blocked');
    expect(cls('554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 554)).toBe('blocked');
    // A mailbox-looking code that names DMARC is still a block.
    expect(cls('550 5.1.0 Message rejected due to DMARC policy', 550)).toBe('blocked');
    expect(cls('552 5.3.4 Message size exceeds fixed maximum message size', 552)).toBe('blocked');
    expect(cls('550 Rejected: sending IP is on our block list', 550)).toBe('blocked');
  });

  it("the sender's own address problems (x.1.7, x.1.8) are not the recipient's", () => {
    expect(cls('553 5.1.8 Sender address rejected: Domain not found', 553)).toBe('unknown');
  });

  it('temporary failures and full mailboxes are soft', () => {
    expect(cls('451 4.7.1 Greylisted, try again later', 451)).toBe('soft');
    expect(cls('421 4.3.0 Service not available', 421)).toBe('soft');
    expect(cls('552 5.2.2 Mailbox full', 552)).toBe('soft');
    expect(cls('552 Mailbox is full', 552)).toBe('soft');
  });

  it('a permanent refusal it cannot place is unknown, never a hard bounce', () => {
    expect(cls('550 Requested action not taken', 550)).toBe('unknown');
    expect(cls('554 5.0.0 Error', 554)).toBe('unknown');
  });

  it('reports the enhanced status code it read', () => {
    expect(classifyAnswer({ code: 550, text: '550 5.7.26 unauthenticated' })).toEqual({ class: 'blocked', status: '5.7.26' });
    expect(enhancedStatus('Status: 5.1.1')).toBe('5.1.1');
    expect(enhancedStatus('250 OK')).toBeUndefined();
  });
});
