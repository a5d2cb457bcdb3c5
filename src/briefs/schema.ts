/**
 * The brief frontmatter schema. The Brief type is derived from it, so what
 * `briefing check` accepts and what the code reads cannot drift apart.
 * Theme slugs are checked against the config in validate.ts, since the
 * config decides which themes exist.
 */
import { z } from 'zod';
import { suggest } from '../yaml/zod-problems.js';

export const TITLE_MAX = 140;
export const SUMMARY_MAX = 300;
/** Inbox previews show roughly this much; longer summaries get a warning. */
export const PREHEADER_MAX = 200;

/** Control characters (and Unicode line separators) would break a line or reach a mail header. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/;

const text = (what: string) =>
  z
    .string(`${what} must be text`)
    .trim()
    .min(1, `${what} must not be empty`)
    .refine((s) => !CONTROL.test(s), `${what} contains control characters`);

const oneLine = (what: string, max: number) =>
  text(what)
    .refine((s) => !/[\r\n]/.test(s), `${what} must be a single line`)
    .refine((s) => s.length <= max, { error: (iss) => `${what} is ${String(iss.input).length} characters; the limit is ${max}` });

function isCalendarDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** A calendar date written YYYY-MM-DD; 2026-02-30 is refused. */
export const isoDate = (what: string) =>
  z
    .string(`${what} must be a date written YYYY-MM-DD`)
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what} must be a date written YYYY-MM-DD`)
    .refine(isCalendarDate, { error: (iss) => `${what} ${String(iss.input)} is not a real calendar date` });

const list = (what: string) =>
  z
    .union([z.string(), z.array(z.string(`each ${what} must be text`))], `${what} must be a list`)
    .transform((v) => (typeof v === 'string' ? [v] : v));

export const sourceSchema = z.strictObject(
  {
    name: oneLine('source.name', 200),
    url: z
      .string('source.url must be text')
      .trim()
      .refine((s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
        } catch {
          return false;
        }
      }, 'source.url must be an absolute http:// or https:// URL')
      .optional(),
    published: isoDate('source.published').optional(),
    author: oneLine('source.author', 200).optional(),
    language: z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'source.language must be a language tag such as "en" or "zh-CN"')
      .optional(),
    original_title: oneLine('source.original_title', 300).optional(),
  },
  'source must be a mapping with at least a name',
);

export const frontmatterSchema = z.strictObject(
  {
    title: oneLine('title', TITLE_MAX),
    date: isoDate('date'),
    themes: list('theme').pipe(
      z
        .array(z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'theme must be a lowercase slug such as "open-source"'))
        .min(1, 'themes must list at least one theme'),
    ),
    source: sourceSchema,
    summary: text('summary').refine((s) => s.length <= SUMMARY_MAX, {
      error: (iss) => `summary is ${String(iss.input).trim().length} characters; the limit is ${SUMMARY_MAX}`,
    }),
    why_it_matters: text('why_it_matters').optional(),
    entities: list('entity')
      .pipe(z.array(text('entity')))
      .default([]),
    status: z.enum(['draft', 'ready'], {
      error: (iss) => {
        const hint = typeof iss.input === 'string' ? suggest(iss.input.toLowerCase(), ['draft', 'ready']) : undefined;
        return `status must be "draft" or "ready"${hint ? `; did you mean "${hint}"?` : ''}`;
      },
    }),
    /**
     * What changed after the brief went out, oldest first: shown on its page, in its feed entry's `updated`,
     * and listed by the next edition to the readers who got it.
     */
    corrections: z
      .array(z.strictObject({ date: isoDate('corrections date'), text: oneLine('correction', 500) }, 'each correction is a mapping with date and text'), 'corrections must be a list')
      .default([]),
  },
  'frontmatter must be a mapping of keys to values',
);

export const FRONTMATTER_KEYS = Object.keys(frontmatterSchema.shape);
export const SOURCE_KEYS = Object.keys(sourceSchema.shape);
export const CORRECTION_KEYS = ['date', 'text'];

export type Frontmatter = z.output<typeof frontmatterSchema>;
export type Source = Frontmatter['source'];

export interface Brief extends Frontmatter {
  /** File name without `.md`; unique across briefs/. */
  id: string;
  /** Path of the file, as given to the loader. */
  file: string;
  /** The Markdown body: the key points. Never rendered as a template. */
  body: string;
  /** Line in the file where the body starts, for messages about it. */
  bodyLine: number;
}
