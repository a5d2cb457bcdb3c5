/**
 * The precompiled message with per-recipient substitution must decode to
 * exactly what a fresh composition would: quoted-printable soft breaks and
 * `=` in URLs are where a naive substitution breaks.
 */
import { describe, expect, it } from 'vitest';
import { compileMessage, quotedPrintable } from '../../src/delivery/mime.js';
import { newPlaceholders, personalize, type EmailVariant } from '../../src/render/variant.js';
import { headerLine, parseMail } from '../helpers/smtp.js';

const P = newPlaceholders();
const longLine = 'x'.repeat(70);
const variant: EmailVariant = {
  editionId: '2026-11-23',
  themes: ['safety'],
  subject: 'Die Übersicht #3: KI-Sicherheit – 23. November 2026, ein sehr langer Betreff mit Umlauten äöü',
  // The name placeholder carries the space before it (nameInGreeting), so templates put it right after the word.
  // Placeholders mid-way through long lines, right after '=', at a line start, twice on a line, next to non-ASCII.
  text: `Hallo${P.name},\n${longLine}${P.unsubscribeUrl}${longLine}\n${P.preferencesUrl}\nx=${P.unsubscribeUrl} und ${P.unsubscribeUrl}\n.dot at line start\nÜberblick — “quotes”${P.name}\ntrailing space \nend`,
  placeholders: P,
  html: `<!doctype html><html><body><p>Hallo${P.name},</p><p style="color:#333">${longLine}<a href="${P.unsubscribeUrl}">Abbestellen</a>${longLine}</p><a href="${P.preferencesUrl}">Einstellungen</a> äöü</body></html>`,
};
const data = {
  name: 'Zoë <O\'Brien> & “Co”',
  unsubscribeUrl: 'https://briefing.example.org/unsubscribe?token=12.AbC-_xyz=0123456789abcdefghijklmnopqrstuvwxyzABCDEFG&x=1',
  preferencesUrl: 'https://briefing.example.org/preferences?token=12.Q-_w=',
};

describe('compileMessage', () => {
  it('decodes, after substitution, to exactly the personalised variant', async () => {
    const template = compileMessage(variant, { fromName: 'Die Übersicht', fromAddress: 'news@example.org', listId: { name: 'Die Übersicht', id: 'example.org' } });
    const raw = template.render({ ...data, to: 'Reader@example.com', messageId: '2026-11-23.12.abc@example.org' });
    const expected = personalize(variant, data);

    const mail = await parseMail(raw);
    expect(mail.text).toBe(expected.text.replace(/\n/g, '\n'));
    expect(mail.html).toBe(expected.html);
    expect(mail.subject).toBe(variant.subject);
    expect(mail.from?.value[0]).toEqual({ address: 'news@example.org', name: 'Die Übersicht' });
    expect(mail.messageId).toBe('<2026-11-23.12.abc@example.org>');
    expect(headerLine(mail, 'to')).toBe('<Reader@example.com>');
    expect(headerLine(mail, 'list-unsubscribe')).toBe(`<${data.unsubscribeUrl}>`);
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(headerLine(mail, 'list-id')).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <example\.org>$/);
    expect(headerLine(mail, 'feedback-id')).toBe(`${variant.editionId}:safety:briefing:example.org`);

    // Body lines stay within quoted-printable's 76 characters; header lines within 78, except
    // List-Unsubscribe, whose URL is not folded (RFC 5322's hard limit is 998), and every line ends in CRLF.
    const text = raw.toString('latin1');
    const headerEnd = text.indexOf('\r\n\r\n');
    const headerLines = text.slice(0, headerEnd).split('\r\n');
    expect(headerLines.filter((l) => l.length > 78 && !l.startsWith('List-Unsubscribe:'))).toEqual([]);
    expect(headerLines.every((l) => l.length <= 998)).toBe(true);
    expect(text.slice(headerEnd + 4).split('\r\n').filter((l) => l.length > 76)).toEqual([]);
    expect(raw.toString('latin1').replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('gives each recipient their own values and leaves the template reusable', async () => {
    const template = compileMessage(variant, { fromName: 'B', fromAddress: 'news@example.org' });
    const a = await parseMail(template.render({ ...data, name: 'Ann', to: 'a@example.com', messageId: 'a@example.org' }));
    const b = await parseMail(template.render({ ...data, name: 'Bob', to: 'b@example.com', messageId: 'b@example.org' }));
    expect(a.text).toContain('Hallo Ann,');
    expect(b.text).toContain('Hallo Bob,');
    expect(b.text).not.toContain('Ann');
  });

  it('refuses a header value that could inject a header', () => {
    const template = compileMessage(variant, { fromName: 'B', fromAddress: 'news@example.org' });
    expect(() => template.render({ ...data, to: 'a@example.com\r\nBcc: x@evil.test', messageId: 'm@example.org' })).toThrow(/unsafe header value/);
  });
});

describe('quotedPrintable', () => {
  it('encodes =, non-ASCII and trailing spaces, and wraps at 76 without splitting an escape', () => {
    expect(quotedPrintable('a=b')).toBe('a=3Db=\r\n');
    expect(quotedPrintable('ü\n')).toBe('=C3=BC\r\n');
    expect(quotedPrintable('end \nnext')).toBe('end=20\r\nnext=\r\n');
    const wrapped = quotedPrintable('é'.repeat(40));
    for (const line of wrapped.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).toMatch(/^(=[0-9A-F]{2})*=?$/);
    }
  });
});

describe('quotedPrintable, a dot after a soft line break', () => {
  it('encodes a dot that a soft break puts at the start of a line, so the message stays SMTP-safe', () => {
    // Regression: the dot was checked before the break was made, so a '.' at column 76 opened the
    // continuation line unencoded, and such a message fell back to the slow dot-stuffing path.
    for (let n = 70; n <= 80; n++) {
      const encoded = quotedPrintable(`${'a'.repeat(n)}.mj-column { width: 100% }\n`);
      expect(encoded, String(n)).not.toMatch(/(^|\n)\./);
      expect(encoded.replace(/=\r\n/g, '').replace(/=2E/g, '.')).toBe(`${'a'.repeat(n)}.mj-column { width: 100% }\r\n`);
    }
    const template = compileMessage({ ...variant, html: `<p>${'x'.repeat(73)}.dot</p>` }, { fromName: 'News', fromAddress: 'news@example.org' });
    expect(template.renderWire({ ...data, to: 'a@example.com', messageId: 'm@example.org' }).smtpSafe).toBe(true);
  });
});

describe('renderWire (the slices send hands to SMTP without joining them)', () => {
  it('joins to exactly render(), and is marked SMTP-safe: CRLF only, no line starting with a dot, CRLF at the end', () => {
    const template = compileMessage(variant, { fromName: 'Die Übersicht', fromAddress: 'news@example.org' });
    const parts = { ...data, name: '.Dot first', to: 'a@example.com', messageId: 'm@example.org' };
    const wire = template.renderWire(parts);
    const joined = Buffer.concat(wire.chunks as Buffer[]);
    expect(joined.equals(template.render(parts))).toBe(true);
    expect(wire.length).toBe(joined.length);
    expect(wire.smtpSafe).toBe(true);
    // What smtpSafe promises, checked on the bytes (the variant has a line that starts with '.').
    const text = joined.toString('latin1');
    expect(text).not.toMatch(/(^|\n)\./);
    expect(text).not.toMatch(/[^\r]\n|\r[^\n]/);
    expect(text.endsWith('\r\n')).toBe(true);
  });
});
