/**
 * The Pagefind index, written into the built site at the end of the build.
 * Only brief pages carry `data-pagefind-body`, so results are briefs, not
 * theme or edition listings that repeat them.
 *
 * Pagefind runs as its own process. Feeding it each page while Eleventy is
 * still rendering the rest (`SearchIndexer.add`, from a transform) lets it
 * parse on the other core, instead of re-reading every file from disk after
 * Eleventy is done: on 10,000 briefs that was most of the build's time.
 */
import path from 'node:path';
import * as pagefind from 'pagefind';
import { BriefingError } from '../errors.js';
import { debug } from '../log.js';

const log = debug('archive:search');

export const SEARCH_BUNDLE = 'pagefind';
/** The attribute that marks the indexed part of a page (brief pages only). */
export const SEARCH_BODY_ATTRIBUTE = 'data-pagefind-body';

type PagefindIndex = NonNullable<Awaited<ReturnType<typeof pagefind.createIndex>>['index']>;

const fail = (siteDir: string, what: string, errors: string[]) =>
  new BriefingError('BUILD_FAILED', `search index: ${what} failed: ${errors.join('; ')}`, { file: siteDir });

/**
 * An index that takes pages as they are rendered. Pages without
 * `data-pagefind-body` are not sent: Pagefind drops them anyway once any
 * page has it. Should no page have it, `finish` indexes the whole folder,
 * as Pagefind would.
 */
export class SearchIndexer {
  private readonly index: Promise<PagefindIndex>;
  private readonly pending: Array<Promise<{ errors: string[] }>> = [];
  private bodies = 0;
  private closed = false;

  constructor(language: string) {
    this.index = pagefind.createIndex({ forceLanguage: language.split('-')[0] || 'en' }).then(({ index, errors }) => {
      if (!index) throw new Error(`createIndex: ${errors.join('; ')}`);
      return index;
    });
    // Reported by add/finish; never an unhandled rejection in between.
    this.index.catch(() => undefined);
  }

  /** One rendered page; `sitePath` is its file path inside the site, e.g. briefs/x/index.html. */
  add(sitePath: string, html: string): void {
    if (this.closed || !sitePath.endsWith('.html') || !html.includes(SEARCH_BODY_ATTRIBUTE)) return;
    this.bodies++;
    // sourcePath, not url: Pagefind derives the result URL from it exactly as when it reads the folder.
    const added = this.index.then((index) => index.addHTMLFile({ sourcePath: sitePath.split(path.sep).join('/'), content: html }));
    added.catch(() => undefined);
    this.pending.push(added);
  }

  /** Waits for every page, writes siteDir/pagefind/ and stops Pagefind. Returns the pages indexed. */
  async finish(siteDir: string): Promise<number> {
    const dir = path.resolve(siteDir);
    try {
      const index = await this.index.catch((error: Error) => {
        throw fail(dir, 'createIndex', [error.message]);
      });
      const started = performance.now();
      const errors = (await Promise.all(this.pending)).flatMap((r) => r.errors);
      log('pages indexed %dms after the last was rendered', Math.round(performance.now() - started));
      if (errors.length) throw fail(dir, 'indexing', errors);
      let count = this.bodies;
      if (this.bodies === 0) {
        const added = await index.addDirectory({ path: dir });
        if (added.errors.length) throw fail(dir, 'indexing', added.errors);
        count = added.page_count;
      }
      const written = await index.writeFiles({ outputPath: path.join(dir, SEARCH_BUNDLE) });
      if (written.errors.length) throw fail(dir, 'writing', written.errors);
      log('indexed %d pages; index written in %dms', count, Math.round(performance.now() - started));
      return count;
    } finally {
      await this.close();
    }
  }

  /** Stops Pagefind without writing (a failed build). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.pending);
    const index = await this.index.catch(() => undefined);
    await index?.deleteIndex().catch(() => undefined);
    // The service is a child process: close it so a CLI run can exit.
    await pagefind.close();
  }
}

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
