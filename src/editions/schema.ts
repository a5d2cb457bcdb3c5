/**
 * An edition file, editions/<date>.md, is the record of what was published:
 * with briefs/ it is enough to rebuild the archive and every email.
 */
import { z } from 'zod';
import { isoDate } from '../briefs/schema.js';

export const editionFrontmatterSchema = z.strictObject({
  number: z.number('number must be a whole number').int().min(1),
  date: isoDate('date'),
  briefs: z.array(z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'each brief id must be a slug')).min(1, 'an edition lists at least one brief'),
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .refine((s) => !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s), 'subject must be a single line')
    .optional(),
  /**
   * When its first message went out, written by `send` itself. An edition without it is a draft: `assemble`
   * may add briefs to it. With it, the edition is sent and frozen.
   */
  sent_at: z.iso.datetime({ message: 'sent_at must be a UTC time such as 2026-12-07T07:00:03.120Z' }).optional(),
});

export const EDITION_KEYS = Object.keys(editionFrontmatterSchema.shape);

export type EditionFrontmatter = z.output<typeof editionFrontmatterSchema>;

export interface EditionRecord extends EditionFrontmatter {
  /** The file name without `.md`: the date, YYYY-MM-DD. */
  id: string;
  file: string;
  /** Optional editor's note, Markdown. */
  note: string;
}
