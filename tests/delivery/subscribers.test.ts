/**
 * Address normalization, the subscriber state machine and signed tokens.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { normalizeAddress } from '../../src/delivery/address.js';
import {
  addSubscriber,
  CONFIRMATION_TTL_MS,
  confirmationExpired,
  confirmSubscriber,
  findSubscriber,
  importSubscribers,
  requestSubscription,
  unsubscribeSubscriber,
  suppressSubscriber,
} from '../../src/delivery/subscribers.js';
import { parseThemeList } from '../../src/delivery/themes.js';
import { createSigner, resolveSecret } from '../../src/delivery/tokens.js';
import { DEFAULT_THEMES, type Theme } from '../../src/config/schema.js';
import type { Db } from '../../src/store/db.js';
import { FIXTURES, tempProject } from '../helpers/project.js';
import { formatProblem } from '../../src/problems.js';
import { useTempDb } from '../helpers/db.js';

const THEMES = DEFAULT_THEMES as Theme[];

describe('normalizeAddress', () => {
  it.each([
    ['  Ada.Lovelace@Example.COM ', 'Ada.Lovelace@example.com', 'ada.lovelace@example.com'],
    ['user+tag@sub.example.org', 'user+tag@sub.example.org', 'user+tag@sub.example.org'],
    ["o'brien@example.ie", "o'brien@example.ie", "o'brien@example.ie"],
    ['x@BÜCHER.example', 'x@xn--bcher-kva.example', 'x@xn--bcher-kva.example'],
  ])('accepts %j as %s', (input, email, key) => {
    expect(normalizeAddress(input)).toEqual({ ok: true, email, key });
  });

  it.each([
    '',
    'plainaddress',
    '@example.com',
    'user@',
    'two@@example.com',
    'a@b@example.com',
    'user@localhost',
    'user@example',
    'user@-example.com',
    'user@example..com',
    '.user@example.com',
    'us..er@example.com',
    'user.@example.com',
    '"quoted"@example.com',
    'user name@example.com',
    'user@[127.0.0.1]',
    'user@example.123',
    'user@exa_mple.com',
    'Name <user@example.com>',
    'user@example.com\r\nBcc: x@evil.test',
    'a,b@example.com',
    `${'a'.repeat(65)}@example.com`,
  ])('refuses %j', (input) => {
    expect(normalizeAddress(input).ok).toBe(false);
  });
});

describe('parseThemeList', () => {
  it('accepts ; , and spaces, keeps configured order, and suggests a fix for a typo', () => {
    expect(parseThemeList('open-source; safety', THEMES)).toEqual({ ok: true, themes: ['safety', 'open-source'] });
    expect(parseThemeList(['safety', 'Export-Controls'], THEMES)).toEqual({ ok: true, themes: ['safety', 'export-controls'] });
    expect(parseThemeList('', THEMES)).toEqual({ ok: true, themes: [] });
    const typo = parseThemeList('opensource', THEMES);
    expect(typo.ok).toBe(false);
    expect(!typo.ok && typo.message).toMatch(/did you mean "open-source"\?/);
  });
});

describe('subscribers', () => {
  const database = useTempDb('subs');
  let db: Db;
  beforeEach(() => {
    db = database();
  });

  it('collapses addresses that differ only by case or whitespace', () => {
    expect(addSubscriber(db, { email: 'Ada@Example.org', source: 'test' }).action).toBe('added');
    expect(addSubscriber(db, { email: '  ada@EXAMPLE.ORG  ', source: 'test' }).action).toBe('unchanged');
    expect(addSubscriber(db, { email: 'ADA@example.org', themes: ['safety'], source: 'test' }).action).toBe('updated');
    expect(db.prepare('SELECT COUNT(*) AS n FROM subscribers').get()).toEqual({ n: 1 });
    expect(findSubscriber(db, 'ada@example.org')).toMatchObject({ email: 'Ada@example.org', themes: ['safety'], status: 'confirmed' });
  });

  it('does not re-add an address that unsubscribed or bounced, unless forced', () => {
    const { subscriber } = addSubscriber(db, { email: 'a@example.org', source: 'test' });
    unsubscribeSubscriber(db, subscriber.id);
    expect(addSubscriber(db, { email: 'a@example.org', source: 'test' })).toMatchObject({ action: 'refused', reason: expect.stringMatching(/unsubscribed/) });
    const csv = importSubscribers(db, 'email\na@example.org\n', 'x.csv', THEMES);
    expect(csv.problems).toMatchObject([{ severity: 'warning', line: 2, message: expect.stringMatching(/unsubscribed/) }]);
    expect(addSubscriber(db, { email: 'a@example.org', source: 'test', force: true }).action).toBe('updated');
    suppressSubscriber(db, subscriber.id, 'bounced: 550');
    expect(addSubscriber(db, { email: 'a@example.org', source: 'test' }).action).toBe('refused');
  });

  it('web requests: new → pending (+mail), confirmed → nothing, unsubscribed → pending again (+mail), suppressed → nothing', () => {
    const fresh = requestSubscription(db, 'new@example.org', ['safety']);
    expect(fresh).toMatchObject({ sendConfirmation: true, subscriber: { status: 'pending', themes: ['safety'] } });
    expect(requestSubscription(db, 'NEW@example.org', []).sendConfirmation).toBe(true);
    confirmSubscriber(db, fresh.subscriber!.id);
    expect(requestSubscription(db, 'new@example.org', []).sendConfirmation).toBe(false);
    unsubscribeSubscriber(db, fresh.subscriber!.id);
    expect(requestSubscription(db, 'new@example.org', []).subscriber?.status).toBe('pending');
    suppressSubscriber(db, fresh.subscriber!.id, 'bounced');
    expect(requestSubscription(db, 'new@example.org', []).sendConfirmation).toBe(false);
  });

  it('a pending request past the confirmation lifetime gets a fresh link on a new request', () => {
    const signer = createSigner('a-secret-of-sufficient-length');
    const pending = requestSubscription(db, 'late@example.org', []).subscriber!;
    const oldToken = signer.sign('confirm', pending);
    // Still fresh: asking again keeps the same link working.
    requestSubscription(db, 'late@example.org', []);
    expect(signer.verify(db, 'confirm', oldToken)?.id).toBe(pending.id);
    const longAgo = new Date(Date.now() - CONFIRMATION_TTL_MS - 60_000).toISOString();
    db.prepare('UPDATE subscribers SET requested_at = ? WHERE id = ?').run(longAgo, pending.id);
    expect(confirmationExpired(longAgo)).toBe(true);
    const again = requestSubscription(db, 'late@example.org', []).subscriber!;
    expect(again.requestedAt).not.toBe(longAgo);
    expect(confirmationExpired(again.requestedAt!)).toBe(false);
  });

  it('tokens are bound to purpose and subscriber; confirmation tokens die with a new request', () => {
    const signer = createSigner('a-secret-of-sufficient-length');
    const a = requestSubscription(db, 'a@example.org', []).subscriber!;
    const b = requestSubscription(db, 'b@example.org', []).subscriber!;
    const token = signer.sign('unsubscribe', a);
    expect(signer.verify(db, 'unsubscribe', token)?.id).toBe(a.id);
    expect(signer.verify(db, 'preferences', token)).toBeUndefined();
    expect(signer.verify(db, 'unsubscribe', token.replace(/^[^.]+/, b.publicId))).toBeUndefined();
    expect(createSigner('another-secret-of-some-length').verify(db, 'unsubscribe', token)).toBeUndefined();
    expect(signer.verify(db, 'unsubscribe', undefined)).toBeUndefined();

    const confirm = signer.sign('confirm', a);
    expect(signer.verify(db, 'confirm', confirm)?.id).toBe(a.id);
    confirmSubscriber(db, a.id);
    unsubscribeSubscriber(db, a.id);
    requestSubscription(db, 'a@example.org', []); // a fresh request
    expect(signer.verify(db, 'confirm', confirm)).toBeUndefined();
  });

  // Regression: a new request in the same millisecond as the last one kept its request time, so the old
  // confirmation link still worked (the test above failed now and then in CI).
  it('a new request in the same millisecond, or after the clock went back, still voids the old confirmation link', () => {
    const signer = createSigner('a-secret-of-sufficient-length');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-24T10:00:00.000Z'));
      const first = requestSubscription(db, 'same-ms@example.org', []).subscriber!;
      const firstLink = signer.sign('confirm', first);
      unsubscribeSubscriber(db, first.id);
      const second = requestSubscription(db, 'same-ms@example.org', []).subscriber!;
      expect(second.requestedAt).toBe('2026-11-24T10:00:00.001Z');
      expect(signer.verify(db, 'confirm', firstLink)).toBeUndefined();
      const secondLink = signer.sign('confirm', second);
      expect(signer.verify(db, 'confirm', secondLink)?.id).toBe(first.id);

      vi.setSystemTime(new Date('2026-11-24T09:00:00.000Z')); // the clock set back an hour
      unsubscribeSubscriber(db, first.id);
      const third = requestSubscription(db, 'same-ms@example.org', []).subscriber!;
      expect(third.requestedAt).toBe('2026-11-24T10:00:00.002Z');
      expect(signer.verify(db, 'confirm', secondLink)).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('importSubscribers: what a spreadsheet export brings', () => {
  const db = useTempDb('briefing-import-');
  it('names each row by the line it starts on, quoted line breaks and all, and refuses a line that is not UTF-8 instead of mending it', () => {
    const bytes = readFileSync(path.join(FIXTURES, 'subscribers/encoding-and-newlines.csv'));
    const result = importSubscribers(db(), bytes, 'list.csv', THEMES);
    expect(result.problems.map(formatProblem)).toEqual([
      'list.csv:5:1: "bad-address" is not an email address (expected name@domain)',
      'list.csv:6:1: not valid UTF-8: save the file as UTF-8 (a name would otherwise be mangled); row skipped',
      // Lines 10 and 11: named by the first (csv-parse counts the last).
      'list.csv:10:1: "not-valid" is not an email address (expected name@domain)',
    ]);
    expect(result.added).toBe(3);
    expect(findSubscriber(db(), 'grace@example.org')?.name).toBe('Grace Hopper');
    expect(findSubscriber(db(), 'jose@example.org')).toBeUndefined();
  });
});

describe('resolveSecret', () => {
  it('uses BRIEFING_SECRET; refuses SMTP without it; creates one private local secret for the outbox', () => {
    const project = tempProject();
    try {
      expect(resolveSecret(project.config({ BRIEFING_SECRET: 'x'.repeat(32) }))).toEqual({ secret: 'x'.repeat(32) });
      expect(() => resolveSecret(project.config({ BRIEFING_SECRET: 'short' }))).toThrow(/too short/);
      expect(() => resolveSecret(project.config({ SMTP_URL: 'smtp://127.0.0.1:2525' }))).toThrow(/BRIEFING_SECRET is not set/);
      const local = resolveSecret(project.config());
      expect(local.devSecretFile).toBe(path.join(project.dataDir, 'secret'));
      expect(readFileSync(local.devSecretFile!, 'utf8').trim()).toBe(local.secret);
      expect(statSync(local.devSecretFile!).mode & 0o077).toBe(0);
      expect(resolveSecret(project.config()).secret).toBe(local.secret);
    } finally {
      project.cleanup();
    }
  });
});
