/**
 * Writes the pages Eleventy renders, on a thread of their own. Eleventy 3
 * writes each page with mkdirSync and writeFileSync on its thread
 * (deliberately: 11ty/eleventy#3271), and making 10,000 folders and files is
 * kernel work: ~1.9 s of the ~4.2 s Eleventy spent on the build's thread at
 * 10,000 briefs (profiled). So `briefing build` runs Eleventy with dryRun and
 * hands each finished page (from a transform, see eleventy-config.ts) to
 * this writer, which writes it on the other core while Eleventy renders the
 * next one.
 *
 * A worker thread, not libuv's thread pool (fs/promises): queued all at once,
 * the pool's four threads contend for the same folder and finished ~1.4 s
 * after Eleventy at 10,000 briefs; one at a time, each next write waited for
 * Eleventy to yield (~6 s). The worker finishes ~0.4 s after (measured).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { BriefingError } from '../errors.js';
import { displayPath } from '../paths.js';

type Request = { op: 'write'; file: string; bytes: Uint8Array } | { op: 'done' };
type Reply = { written: number } | { failure: { file: string; message: string } };

const textEncoder = new TextEncoder();

export interface PageWriterOptions {
  /** The folder pages are written into: needed with `previousDir`. */
  siteDir?: string;
  /** The release being replaced: a page identical there is linked from it, compressed forms too. */
  previousDir?: string;
  /** Write .gz and .br beside each text file (see page-writer-worker.mjs). */
  compress?: boolean;
}

export class PageWriter {
  private readonly worker: Worker;
  /** Rejects once the worker has stopped, on its own or closed. */
  private readonly stopped: Promise<never>;

  constructor(options: PageWriterOptions = {}) {
    this.worker = new Worker(new URL('./page-writer-worker.mjs', import.meta.url), { workerData: options });
    let death: Error | undefined;
    this.worker.on('error', (error) => (death ??= error));
    this.stopped = once(this.worker, 'exit').then(() => Promise.reject(death ?? new Error('the page writer stopped')));
    this.stopped.catch(() => undefined);
  }

  /** Hands one page over (an absolute path); a failure surfaces in `done`. */
  write(file: string, content: string): void {
    // Its UTF-8 bytes, in a buffer of their own, moved to the worker rather than copied: a string copied
    // there waits as UTF-16 in the worker's heap (measured at 10,000 briefs: ~45 MB more at the peak).
    const bytes = textEncoder.encode(content);
    this.worker.postMessage({ op: 'write', file, bytes } satisfies Request, [bytes.buffer]);
  }

  /** Waits for every page handed over, then stops the worker. Resolves to the pages written. */
  async done(): Promise<number> {
    try {
      this.worker.postMessage({ op: 'done' } satisfies Request);
      const [reply] = (await Promise.race([once(this.worker, 'message'), this.stopped])) as [Reply];
      if ('failure' in reply) {
        const { file, message } = reply.failure;
        throw new BriefingError('BUILD_FAILED', `could not write ${displayPath(file)}: ${message}`, { file: displayPath(file) });
      }
      return reply.written;
    } finally {
      await this.close();
    }
  }

  /** Stops writing at once (a failed build): nothing is written once this resolves. Safe to call twice. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
