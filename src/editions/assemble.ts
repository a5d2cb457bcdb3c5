/**
 * `briefing assemble`: gathers the unpublished ready briefs into
 * editions/<date>.md. The edition file is the record, so this never makes a
 * second edition for a date and never reuses a brief. An edition is a draft
 * until its first message goes out (`sent_at`): assembling its date again
 * adds the ready briefs that are in no edition yet, and `rebuild` makes its
 * list again from scratch. A sent edition is frozen.
 */
import path from 'node:path';
import { loadProjectBriefs } from '../briefs/load.js';
import { isoDate } from '../briefs/schema.js';
import { todayIn } from '../briefs/create.js';
import type { Config } from '../config/schema.js';
import { InputError } from '../errors.js';
import { displayPath } from '../paths.js';
import { formatProblem, type Problem } from '../problems.js';
import { editionFrontmatterSchema, type EditionRecord } from './schema.js';
import { selectBriefs } from './select.js';
import { loadEditions, replaceEdition, writeEdition } from './store.js';

export interface AssembleOptions {
  /** YYYY-MM-DD; default today in config.schedule.timezone. */
  date?: string;
  /** Subject override stored in the edition (one line). */
  subject?: string;
  /** For "today" in tests and the scheduler. */
  now?: Date;
  /** A draft edition for the date: choose its briefs again from scratch, instead of only adding new ones. */
  rebuild?: boolean;
  /**
   * Whether the delivery log shows messages of this edition already went out: an edition sent before `send`
   * recorded `sent_at` (or whose file lost it) is frozen all the same.
   */
  sentBefore?: (editionId: string) => boolean;
}

export interface AssembleResult {
  /**
   * written: a new edition; updated: the date's draft got briefs (`added`) or was rebuilt; unchanged: the
   * draft has nothing new; exists: the date's edition was sent and is frozen; nothing: no ready briefs wait.
   */
  status: 'written' | 'updated' | 'unchanged' | 'exists' | 'nothing';
  date: string;
  file?: string;
  edition?: EditionRecord;
  /** Briefs left out because they have errors (run `briefing check`). */
  problems: Problem[];
  /** With `updated`: the briefs that came in, and those a rebuild took out. */
  added?: string[];
  removed?: string[];
}

export async function assembleEdition(config: Config, options: AssembleOptions = {}): Promise<AssembleResult> {
  const date = options.date ?? todayIn(config.schedule.timezone, options.now);
  const dateCheck = isoDate('date').safeParse(date);
  if (!dateCheck.success) throw new InputError('EDITION_INVALID', dateCheck.error.issues[0]?.message ?? `bad date ${date}`);
  if (options.subject !== undefined) {
    const check = editionFrontmatterSchema.shape.subject.safeParse(options.subject);
    if (!check.success) throw new InputError('EDITION_INVALID', `subject: ${check.error.issues[0]?.message}`);
  }

  const { editions, problems: editionProblems } = await loadEditions(config.editionsDir);
  const broken = editionProblems.filter((p) => p.severity === 'error');
  if (broken.length > 0) {
    // A broken edition file may list briefs we cannot see: assembling now could publish them twice.
    throw new InputError('EDITION_INVALID', `fix the edition files first:\n${broken.map(formatProblem).join('\n')}`, { file: broken[0]!.file });
  }

  const existing = editions.find((e) => e.date === date);
  if (existing && (existing.sent_at || options.sentBefore?.(existing.id))) return { status: 'exists', date, file: existing.file, edition: existing, problems: [] };
  if (existing) return reassemble(config, existing, editions, date, Boolean(options.rebuild));
  const later = editions.filter((e) => e.date > date).at(-1);
  if (later) {
    throw new InputError('EDITION_INVALID', `edition #${later.number} is dated ${later.date}, after ${date}; editions are numbered in date order`, { file: later.file });
  }

  const loaded = await loadProjectBriefs(config);
  const problems = loaded.problems.filter((p) => p.severity === 'error');
  const chosen = selectBriefs(loaded.briefs, editions, date, config.themes);
  if (chosen.length === 0) return { status: 'nothing', date, problems };

  const record = {
    number: Math.max(0, ...editions.map((e) => e.number)) + 1,
    date,
    briefs: chosen.map((b) => b.id),
    ...(options.subject ? { subject: options.subject.trim() } : {}),
    note: '',
  };
  let file: string;
  try {
    file = displayPath(await writeEdition(config.editionsDir, record));
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
    // Another run wrote this date first: report that edition, never a second one.
    const again = (await loadEditions(config.editionsDir)).editions.find((e) => e.date === date);
    if (again) return { status: 'exists', date, file: again.file, edition: again, problems };
    throw new InputError('EDITION_INVALID', `${date}.md exists but cannot be read as an edition`, { file: displayPath(path.join(config.editionsDir, `${date}.md`)), cause });
  }
  return { status: 'written', date, file, edition: { ...record, id: date, file }, problems };
}

/** A draft edition for the date again: new ready briefs added (or, rebuilt, chosen from scratch). */
async function reassemble(config: Config, draft: EditionRecord, editions: EditionRecord[], date: string, rebuild: boolean): Promise<AssembleResult> {
  const loaded = await loadProjectBriefs(config);
  const problems = loaded.problems.filter((p) => p.severity === 'error');
  const others = editions.filter((e) => e.id !== draft.id);
  const chosen = selectBriefs(loaded.briefs, others, date, config.themes).map((b) => b.id);
  const briefs = rebuild ? chosen : [...draft.briefs, ...chosen.filter((id) => !draft.briefs.includes(id))];
  const added = briefs.filter((id) => !draft.briefs.includes(id));
  const removed = draft.briefs.filter((id) => !briefs.includes(id));
  if (added.length === 0 && removed.length === 0) return { status: 'unchanged', date, file: draft.file, edition: draft, problems };
  if (briefs.length === 0) throw new InputError('EDITION_INVALID', `rebuilding would leave edition #${draft.number} with no brief; nothing written`, { file: draft.file });
  const { id: _id, file, ...record } = { ...draft, briefs };
  await replaceEdition(file, record);
  return { status: 'updated', date, file, edition: { ...record, id: draft.id, file }, problems, added, removed };
}
