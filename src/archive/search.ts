/**
 * The Pagefind index, written into the built site at the end of the build.
 * Only brief pages carry `data-pagefind-body`, so results are briefs, not
 * theme or edition listings that repeat them.
 */
import path from 'node:path';
import * as pagefind from 'pagefind';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';

const log = debug('archive:search');

export const SEARCH_BUNDLE = 'pagefind';

/** Indexes every HTML file under `siteDir` and writes siteDir/pagefind/. Returns the pages indexed. */
export async function writeSearchIndex(siteDir: string, language: string): Promise<number> {
  const fail = (what: string, errors: string[]) =>
    new BriefingError('BUILD_FAILED', `search index: ${what} failed: ${errors.join('; ')}`, { file: siteDir });
  const { index, errors } = await pagefind.createIndex({ forceLanguage: language.split('-')[0] ?? 'en' });
  if (!index) throw fail('createIndex', errors);
  try {
    const added = await index.addDirectory({ path: path.resolve(siteDir) });
    if (added.errors.length) throw fail('indexing', added.errors);
    const written = await index.writeFiles({ outputPath: path.resolve(siteDir, SEARCH_BUNDLE) });
    if (written.errors.length) throw fail('writing', written.errors);
    log('indexed %d pages', added.page_count);
    return added.page_count;
  } finally {
    await index.deleteIndex();
    // The service is a child process: close it so a CLI run can exit.
    await pagefind.close();
  }
}
