/**
 * `briefing new`: writes a draft brief that already passes `check`, so a
 * writer starts from something valid and fills in the blanks.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import { displayPath } from '../paths.js';
import { formatProblem } from '../problems.js';
import { TEMPLATE_TEXT } from './template.js';
import { loadBriefs } from './load.js';
import { parseFrontmatterFile } from '../yaml/frontmatter.js';
import { validateBrief } from './validate.js';

export interface NewBriefOptions {
  title: string;
  themes: string[];
  sourceName?: string;
  url?: string;
  /** YYYY-MM-DD; defaults to today in the configured time zone. */
  date?: string;
  /** From the article's page (new --from-url): only what it gives. */
  published?: string;
  author?: string;
  language?: string;
  originalTitle?: string;
}

export function slugify(title: string, maxLength = 60): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= maxLength) return slug;
  const cut = slug.slice(0, maxLength + 1);
  return (cut.lastIndexOf('-') > 20 ? cut.slice(0, cut.lastIndexOf('-')) : slug.slice(0, maxLength)).replace(/-+$/, '');
}

export function todayIn(timeZone: string, now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

export function briefTemplate(options: NewBriefOptions & { date: string }): string {
  const frontmatter = {
    title: options.title,
    date: options.date,
    themes: options.themes,
    source: {
      name: options.sourceName ?? TEMPLATE_TEXT.sourceName,
      ...(options.url ? { url: options.url } : {}),
      ...(options.published ? { published: options.published } : {}),
      ...(options.author ? { author: options.author } : {}),
      ...(options.language ? { language: options.language } : {}),
      ...(options.originalTitle ? { original_title: options.originalTitle } : {}),
    },
    summary: TEMPLATE_TEXT.summary,
    why_it_matters: TEMPLATE_TEXT.whyItMatters,
    entities: [],
    status: 'draft',
  };
  const yaml = stringify(frontmatter, { lineWidth: 0 }).replace(/^( *)(date|published): "(\d{4}-\d{2}-\d{2})"$/gm, '$1$2: $3');
  return `---\n${yaml}---\n\n${TEMPLATE_TEXT.keyPoints.map((p) => `- ${p}\n`).join('')}`;
}

/** Writes the brief and returns its path; refuses to overwrite or to reuse an id. */
export async function createBrief(config: Config, options: NewBriefOptions): Promise<string> {
  const date = options.date ?? todayIn(config.schedule.timezone);
  const id = slugify(options.title) || `brief-${date}`;
  const file = path.join(config.briefsDir, `${id}.md`);
  const shown = displayPath(file);
  const content = briefTemplate({ ...options, date });

  const read = parseFrontmatterFile(shown, Buffer.from(content));
  const problems = read.ok ? validateBrief(read.doc, config.themes).problems : read.problems;
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    throw new InputError('BRIEF_INVALID', `the new brief would not be valid:\n${errors.map(formatProblem).join('\n')}`);
  }

  const existing = (await loadBriefs([config.briefsDir], config.themes)).briefs.find((b) => b.id === id);
  if (existing) throw new InputError('BRIEF_EXISTS', `already exists (its id '${id}' comes from the title); nothing was written: choose another title, or edit this brief`, { file: existing.file });

  await mkdir(config.briefsDir, { recursive: true });
  try {
    await writeFile(file, content, { flag: 'wx' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new InputError('BRIEF_EXISTS', 'a brief already exists at this path; nothing was written', { file: shown, cause });
    }
    throw cause;
  }
  return shown;
}
