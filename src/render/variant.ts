/**
 * The contract between rendering and delivery. An edition is rendered once
 * per distinct theme set (a variant), with placeholder tokens where each
 * recipient's own data goes; delivery substitutes them per message. A token
 * is plain ASCII letters and underscores, so it survives MJML, HTML escaping
 * and line wrapping of the text part unchanged, and holds a random nonce
 * made for that render: no brief text can write one (a fixed token written
 * in a title became every recipient's signed links).
 */
import { randomBytes } from 'node:crypto';

export const PERSONAL_FIELDS = ['unsubscribeUrl', 'preferencesUrl', 'name'] as const;
export type PersonalField = (typeof PERSONAL_FIELDS)[number];

/** Each personal field's token in one render. */
export type Placeholders = Record<PersonalField, string>;

const FIELD_NAMES: Record<PersonalField, string> = { unsubscribeUrl: 'UNSUBSCRIBE_URL', preferencesUrl: 'PREFERENCES_URL', name: 'NAME' };

/** Tokens for one render: BRIEFING_PH_<16 random letters>_<FIELD>. */
export function newPlaceholders(): Placeholders {
  const nonce = [...randomBytes(16)].map((b) => String.fromCharCode(65 + (b % 26))).join('');
  return Object.fromEntries(PERSONAL_FIELDS.map((f) => [f, `BRIEFING_PH_${nonce}_${FIELD_NAMES[f]}`])) as Placeholders;
}

/** A pattern matching any of a render's tokens (a capture group with `capture`), and the field of each. */
export function placeholderPattern(placeholders: Placeholders, flags = 'g', capture = false): { pattern: RegExp; fieldOf: Map<string, PersonalField> } {
  const tokens = PERSONAL_FIELDS.map((f) => placeholders[f]).join('|');
  return { pattern: new RegExp(capture ? `(${tokens})` : tokens, flags), fieldOf: new Map(PERSONAL_FIELDS.map((f) => [placeholders[f], f])) };
}

/**
 * The name placeholder stands for the name and the space before it (the greeting's "Hello {name}," is
 * rendered as "Hello" + placeholder + ","), so a subscriber without a name reads "Hello," and never "Hello ,".
 */
export const nameInGreeting = (name: string): string => (name.trim() ? ` ${name.trim()}` : '');
export type PersonalData = Record<PersonalField, string>;

export interface EmailVariant {
  editionId: string;
  /** The theme slugs this variant shows, in configured order. */
  themes: string[];
  subject: string;
  /** Full HTML document with placeholders. */
  html: string;
  /** Plain-text part with placeholders. */
  text: string;
  /** The tokens this render put where personal data goes. */
  placeholders: Placeholders;
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Fills a variant's placeholders: one pass over each part, no re-rendering. */
export function personalize(variant: EmailVariant, data: PersonalData): { subject: string; html: string; text: string } {
  const { pattern, fieldOf } = placeholderPattern(variant.placeholders);
  return {
    subject: variant.subject,
    html: variant.html.replace(pattern, (t) => escapeHtml(valueFor(data, fieldOf.get(t)!))),
    text: variant.text.replace(pattern, (t) => valueFor(data, fieldOf.get(t)!)),
  };
}

const valueFor = (data: PersonalData, field: PersonalField): string => (field === 'name' ? nameInGreeting(data.name) : data[field]);
