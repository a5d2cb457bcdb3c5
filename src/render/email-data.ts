/**
 * The data both parts of the email are made from: one model, built from the
 * resolved edition, so the HTML and the plain text always agree. Every URL is
 * absolute and comes from src/urls.ts; personal links are placeholder tokens.
 */
import type { Brief } from '../briefs/schema.js';
import { PREHEADER_MAX } from '../briefs/schema.js';
import type { Config, Theme } from '../config/schema.js';
import { sectionsOf, type ResolvedEdition, type Section } from '../editions/published.js';
import { absolute, paths } from '../urls.js';
import { renderMarkdown } from './markdown.js';
import type { Placeholders } from './variant.js';

export interface EmailTag {
  label: string;
  slug: string;
}

export interface EmailItem {
  id: string;
  title: string;
  summary: string;
  why: string | undefined;
  sourceName: string;
  sourceUrl: string | undefined;
  archiveUrl: string;
  /** The brief's other themes, shown as tags. */
  tags: EmailTag[];
}

export interface EmailSection {
  slug: string;
  label: string;
  accent: string;
  /** A lighter accent that keeps contrast on a dark background. */
  accentDark: string;
  /** Items shown in the email. */
  items: EmailItem[];
  /** The first few items, for the short "in this edition" index. */
  index: EmailItem[];
  total: number;
  /** Items left for the web ("N more on the web"). */
  more: number;
  moreUrl: string;
}

export interface EmailModel {
  lang: string;
  siteTitle: string;
  siteUrl: string;
  subject: string;
  preheader: string;
  number: number;
  dateIso: string;
  dateLabel: string;
  editionUrl: string;
  /** The editor's note, already rendered by renderMarkdown (safe), or ''. */
  noteHtml: string;
  /** The editor's note as written (Markdown), for the text part. */
  note: string;
  sections: EmailSection[];
  /** Corrections since the last edition to briefs of the variant's themes that readers were sent. */
  corrections: Array<{ title: string; url: string; dateLabel: string; text: string }>;
  totalItems: number;
  shownItems: number;
  greeting: string | undefined;
  postalAddress: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
  /**
   * Set in the archive's public copy (editions/<id>/email.html) only: its footer points here, to
   * subscribing, instead of to personal links that no reader of the web copy has.
   */
  subscribeUrl: string | undefined;
  themeLabels: string[];
}

/** Titles per theme in the "in this edition" index; the rest are counted. */
export const INDEX_PER_THEME = 5;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line with no control characters: safe for a mail header. */
export function oneLine(s: string): string {
  return s.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

export function formatDate(iso: string, language: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  try {
    return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
  } catch {
    return iso;
  }
}

/** The subject: edition.subject if set, else config.email.subject with {title} {number} {date}; always one line. */
/**
 * The subject: the edition's own, else email.subject. {lead} is the title of the first brief (of the
 * edition, or of what one variant shows: `lead`), so editions are told apart in an inbox and in the archive.
 */
export function subjectFor(config: Config, edition: Pick<ResolvedEdition, 'number' | 'date' | 'subject' | 'items'>, lead = edition.items[0]?.title): string {
  const pattern = edition.subject ?? config.email.subject;
  const values: Record<string, string> = {
    title: config.site.title,
    number: String(edition.number),
    date: formatDate(edition.date, config.site.language),
    lead: lead ?? '',
  };
  return oneLine(pattern.replace(/\{(title|number|date|lead)\}/g, (_, key: string) => values[key]!)).slice(0, 250);
}

/** Mixes a #rrggbb colour towards white until it reads on a dark background. */
export function lighten(hex: string, amount = 0.45): string {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const [r, g, b] = [mix((n >> 16) & 255), mix((n >> 8) & 255), mix(n & 255)];
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/**
 * The sections a reader following `themes` gets, in configured order: every
 * brief of the edition tagged with a followed theme, once, under the first
 * followed theme it has (sectionsOf).
 */
export function variantSections(config: Config, edition: ResolvedEdition, themes: readonly string[]): Section[] {
  return sectionsOf(edition.items, config.themes, new Set(themes));
}

/** The themes of a variant's sections: what its key is made of. */
export function variantThemes(config: Config, edition: ResolvedEdition, themes: readonly string[]): Theme[] {
  return variantSections(config, edition, themes).map((s) => s.theme);
}

function item(config: Config, brief: Brief, section: string, labels: Map<string, string>): EmailItem {
  return {
    id: brief.id,
    title: oneLine(brief.title),
    summary: brief.summary,
    why: brief.why_it_matters,
    sourceName: brief.source.name,
    sourceUrl: brief.source.url,
    archiveUrl: absolute(config.site.base_url, paths.brief(brief.id)),
    tags: brief.themes.filter((slug) => slug !== section).map((slug) => ({ slug, label: labels.get(slug) ?? slug })),
  };
}

function preheaderOf(sections: readonly EmailSection[]): string {
  const summaries = sections.flatMap((s) => s.items.map((i) => oneLine(i.summary)));
  let text = '';
  for (const s of summaries) {
    text = text ? `${text} · ${s}` : s;
    if (text.length >= PREHEADER_MAX) break;
  }
  return text.length > PREHEADER_MAX ? `${text.slice(0, PREHEADER_MAX - 1).replace(/\s+\S*$/, '')}…` : text;
}

/**
 * The model for one variant. `cap` is the most items any one section shows;
 * the rest become that section's "more on the web" line (the size guard
 * lowers it until the HTML fits).
 */
export function emailModel(config: Config, edition: ResolvedEdition, themes: readonly Theme[], placeholders: Placeholders, cap = Infinity, webCopy = false): EmailModel {
  const labels = new Map(config.themes.map((t) => [t.slug, t.label]));
  const base = config.site.base_url;
  const grouped = variantSections(config, edition, themes.map((t) => t.slug));
  const sections: EmailSection[] = themes.map((theme) => {
    const briefs = grouped.find((s) => s.theme.slug === theme.slug)?.briefs ?? [];
    const shown = briefs.slice(0, Math.max(0, cap));
    const items = shown.map((b) => item(config, b, theme.slug, labels));
    return {
      slug: theme.slug,
      label: theme.label,
      accent: theme.accent,
      accentDark: lighten(theme.accent),
      items,
      index: items.slice(0, INDEX_PER_THEME),
      total: briefs.length,
      more: briefs.length - shown.length,
      moreUrl: absolute(base, paths.editionTheme(edition.id, theme.slug)),
    };
  });
  // The placeholder takes the space before {name} with it (see nameInGreeting).
  const greeting = config.email.greeting?.includes('{name}') ? oneLine(config.email.greeting.replace(/\s*\{name\}/, placeholders.name)) : config.email.greeting;
  return {
    lang: config.site.language,
    siteTitle: config.site.title,
    siteUrl: absolute(base, paths.home()),
    // A variant's subject names the first brief its reader gets, not one from a theme they do not follow.
    subject: subjectFor(config, edition, sections[0]?.items[0]?.title),
    preheader: preheaderOf(sections),
    number: edition.number,
    dateIso: edition.date,
    dateLabel: formatDate(edition.date, config.site.language),
    editionUrl: absolute(base, paths.edition(edition.id)),
    noteHtml: edition.note.trim() ? renderMarkdown(edition.note) : '',
    note: edition.note.trim(),
    sections,
    corrections: edition.corrections
      .filter((c) => c.themes.some((t) => themes.some((theme) => theme.slug === t)))
      .map((c) => ({ title: oneLine(c.title), url: absolute(base, paths.brief(c.briefId)), dateLabel: formatDate(c.date, config.site.language), text: c.text })),
    totalItems: sections.reduce((n, s) => n + s.total, 0),
    shownItems: sections.reduce((n, s) => n + s.items.length, 0),
    greeting: greeting || undefined,
    postalAddress: config.postal_address,
    preferencesUrl: placeholders.preferencesUrl,
    unsubscribeUrl: placeholders.unsubscribeUrl,
    subscribeUrl: webCopy ? absolute(base, paths.home()) + '#subscribe' : undefined,
    themeLabels: sections.map((s) => s.label),
  };
}
