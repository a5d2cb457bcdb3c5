/**
 * Test helper: a temp project with briefs and one assembled edition,
 * resolved the way the archive and delivery see it.
 */
import path from 'node:path';
import { assembleEdition } from '../../src/editions/assemble.js';
import { loadPublished, type ResolvedEdition } from '../../src/editions/published.js';
import type { Config } from '../../src/config/schema.js';
import { writeEdition } from '../../src/editions/store.js';
import { ROOT, briefText, tempProject, type TempProject } from '../helpers/project.js';

export const SAMPLE_BRIEFS = [
  'khosla-lecun-open-source-national-security',
  'baai-warns-china-falling-behind',
  'china-open-weight-models-challenge-us',
  'schmidt-china-gap-deepseek-r1-qwen',
].map((id) => path.join(ROOT, 'briefs', `${id}.md`));

export const THEMES = ['safety', 'open-source', 'export-controls'] as const;

export interface EditionProject {
  project: TempProject;
  config: Config;
  edition: ResolvedEdition;
}

/** `n` distinct ready briefs spread over the three themes (primary theme i % 3, a second theme as a tag). */
export function manyBriefs(project: TempProject, n: number, fields: (i: number) => Record<string, unknown> = () => ({})): void {
  for (let i = 0; i < n; i++) {
    const id = `brief-${String(i).padStart(3, '0')}`;
    project.writeBrief(
      `${id}.md`,
      briefText({
        title: `Item ${i}: chips, models and the race between two AI powers`,
        date: `2026-11-${String(1 + (i % 20)).padStart(2, '0')}`,
        themes: [THEMES[i % 3], THEMES[(i + 1) % 3]],
        source: { name: `Outlet ${i}`, url: `https://news.example.com/${id}` },
        summary: `Summary of item ${i}: something happened in the race for AI, described in a sentence or two so that it wraps.`,
        why_it_matters: `Reason ${i}: it shifts the balance.`,
        ...fields(i),
      }),
    );
  }
}

/** Assembles the project's briefs into edition 1 (with an optional note) and resolves it. */
export async function withEdition(project: TempProject, options: { date?: string; note?: string; subject?: string; env?: NodeJS.ProcessEnv } = {}): Promise<EditionProject> {
  const config = project.config(options.env);
  const date = options.date ?? '2026-11-23';
  const result = await assembleEdition(config, { date, ...(options.subject ? { subject: options.subject } : {}) });
  if (result.status !== 'written') throw new Error(`expected an edition, got ${result.status}`);
  if (options.note) {
    // Rewrite the file with a note, as an editor would.
    const { rmSync } = await import('node:fs');
    rmSync(path.join(project.editionsDir, `${date}.md`));
    const { id: _id, file: _file, ...record } = result.edition!;
    await writeEdition(project.editionsDir, { ...record, note: options.note });
  }
  const published = await loadPublished(config);
  const edition = published.editions.find((e) => e.id === date)!;
  return { project, config, edition };
}

export async function sampleEdition(options: { note?: string } = {}): Promise<EditionProject> {
  return withEdition(tempProject({ briefs: SAMPLE_BRIEFS }), options);
}

export async function manyEdition(n: number, fields?: (i: number) => Record<string, unknown>): Promise<EditionProject> {
  const project = tempProject();
  manyBriefs(project, n, fields);
  return withEdition(project);
}
