/**
 * The memos an archive build reads briefs through (see DiskMemo in
 * cache.ts): each brief's parsing and checks, and its rendered Markdown. A
 * weekly build, or a rebuild in `npm run dev`, parses and renders only the
 * new and edited briefs; the output is the same as without them.
 */
import { openBriefMemo, type LoadOptions } from '../briefs/load.js';
import type { Config } from '../config/schema.js';
import { memoRenderer, openMarkdownMemo } from '../render/markdown.js';
import type { ArchiveDataOptions } from './data.js';

export interface ArchiveMemos {
  /** For loadPublished. */
  load: LoadOptions;
  /** For archiveData. */
  data: ArchiveDataOptions;
  /** Writes what this build used, in the background (see DiskMemo.save); never rejects. */
  save(): Promise<void>;
}

export function archiveMemos(config: Config): ArchiveMemos {
  const briefs = openBriefMemo(config);
  const markdown = openMarkdownMemo(config);
  return {
    load: { memo: briefs },
    data: { markdown: memoRenderer(markdown) },
    save: async () => {
      await Promise.all([briefs.save(), markdown.save()]);
    },
  };
}
