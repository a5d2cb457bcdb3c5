/**
 * The contract between rendering and delivery. An edition is rendered once
 * per distinct theme set (a variant), with placeholder tokens where each
 * recipient's own data goes; delivery substitutes them per message. A token
 * is plain ASCII letters and underscores, so it survives MJML, HTML escaping
 * and line wrapping of the text part unchanged.
 */
export const PLACEHOLDERS = {
  unsubscribeUrl: 'BRIEFING_PH_UNSUBSCRIBE_URL',
  preferencesUrl: 'BRIEFING_PH_PREFERENCES_URL',
  name: 'BRIEFING_PH_NAME',
} as const;

export type PersonalField = keyof typeof PLACEHOLDERS;

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
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const TOKEN = new RegExp(Object.values(PLACEHOLDERS).join('|'), 'g');
const FIELD_OF = Object.fromEntries(Object.entries(PLACEHOLDERS).map(([k, v]) => [v, k as PersonalField]));

/** Fills a variant's placeholders: one pass over each part, no re-rendering. */
export function personalize(variant: EmailVariant, data: PersonalData): { subject: string; html: string; text: string } {
  return {
    subject: variant.subject,
    html: variant.html.replace(TOKEN, (t) => escapeHtml(valueFor(data, FIELD_OF[t]!))),
    text: variant.text.replace(TOKEN, (t) => valueFor(data, FIELD_OF[t]!)),
  };
}

const valueFor = (data: PersonalData, field: PersonalField): string => (field === 'name' ? nameInGreeting(data.name) : data[field]);
