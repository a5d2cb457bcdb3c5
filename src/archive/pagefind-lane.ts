/**
 * Pagefind processes that index side by side. The pagefind package keeps one
 * service, one child process, per module instance, and that process works
 * through its indexes one message at a time: two shards in one service took
 * as long as one after the other (2.9 s for two of 1,000 briefs, against
 * 1.9 s in two services). So each lane imports a module instance of its own.
 *
 * All lanes live in one worker thread (search-worker.mjs), not this one:
 * Eleventy keeps this thread busy for seconds at a time, and a lane should
 * go on to its next shard without waiting for it. One thread for all lanes,
 * because each worker thread costs about 100 MB (measured at 10,000 briefs).
 */
import { Worker } from 'node:worker_threads';

/**
 * Indexes handed to a lane and not yet written. The lane works through them
 * on its own; more would only hold pages in the worker's memory sooner.
 */
const LANE_DEPTH = 2;

/** What the worker sends back for a write or a folder: the pages indexed, or the stage that failed and why. */
export interface LaneResult {
  errors: string[];
  stage?: string;
  count?: number;
}

type Request =
  | { op: 'open'; lane: number; index: number; maxFragments?: number | undefined }
  | { op: 'add'; lane: number; index: number; sourcePath: string; content: string }
  | { op: 'write'; lane: number; index: number; outputPath: string }
  | { op: 'folder'; lane: number; path: string; outputPath: string }
  | { op: 'close' };

/** The worker thread and its lanes. Nothing starts until a lane first gets work. */
export class PagefindPool {
  readonly lanes: PagefindLane[];
  private worker?: Worker;
  private readonly pending = new Map<number, (result: LaneResult) => void>();
  private nextId = 0;
  /**
   * Why nothing more is taken: the worker died (its indexes died with it) or the pool was
   * closed. Every later request is answered with this failure at once, and starts nothing.
   */
  private refusal?: string;

  constructor(
    private readonly language: string,
    lanes: number,
  ) {
    this.lanes = Array.from({ length: lanes }, (_, lane) => new PagefindLane(this, lane));
  }

  /** Stops every lane's Pagefind process and the worker. Safe to call twice, and when nothing was started. */
  async close(): Promise<void> {
    // Shards still waiting for a lane wake up as the writes in flight fail: they must not start a worker again.
    this.refusal ??= 'the search index was closed';
    const worker = this.worker;
    if (!worker) return;
    await new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      worker.postMessage({ id, op: 'close' } satisfies Request & { id: number });
    });
    this.worker = undefined;
    await worker.terminate();
    // Replies the worker had not sent yet will never come (regression: a test waited forever for one).
    this.failPending(this.refusal);
  }

  private failPending(why: string): void {
    for (const resolve of this.pending.values()) resolve({ stage: 'worker', errors: [why] });
    this.pending.clear();
  }

  /** @internal For PagefindLane. */
  request(message: Request): Promise<LaneResult> {
    return new Promise((resolve) => {
      const id = this.post(message);
      if (this.refusal) resolve({ stage: 'worker', errors: [this.refusal] });
      else this.pending.set(id, resolve);
    });
  }

  /** @internal For PagefindLane. */
  post(message: Request): number {
    const id = this.nextId++;
    if (!this.refusal) this.start().postMessage({ id, ...message });
    return id;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./search-worker.mjs', import.meta.url), { workerData: { language: this.language } });
    worker.on('message', ({ id, ...result }: LaneResult & { id: number }) => {
      this.pending.get(id)?.(result);
      this.pending.delete(id);
    });
    // A worker that dies takes its indexes with it: fail whatever waits on it, and all that comes after.
    const fail = (why: string) => {
      if (this.worker !== worker) return; // closed on purpose
      this.worker = undefined;
      this.refusal = why;
      this.failPending(why);
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`the search worker stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }
}

/** One Pagefind process's queue of indexes, written one after another. */
export class PagefindLane {
  private nextIndex = 0;
  private outstanding = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly pool: PagefindPool,
    private readonly lane: number,
  ) {}

  /** Resolves once the lane has room for another index (see LANE_DEPTH): the caller keeps its pages until then. */
  async ready(): Promise<void> {
    if (this.outstanding >= LANE_DEPTH) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /**
   * A new index in this lane's Pagefind, its result fragments bundled into at most `maxFragments` files
   * (none: a file per page); pages go to it with `add`, and `write` writes it out.
   */
  newIndex(maxFragments?: number): number {
    this.outstanding += 1;
    const index = this.nextIndex++;
    this.pool.post({ op: 'open', lane: this.lane, index, maxFragments });
    return index;
  }

  /** Hands a page over; failures surface at `write`. sourcePath, not url: Pagefind derives the URL as when it reads a folder. */
  add(index: number, sourcePath: string, content: string): void {
    this.pool.post({ op: 'add', lane: this.lane, index, sourcePath, content });
  }

  /** Writes the index's bundle to outputPath and frees it. */
  async write(index: number, outputPath: string): Promise<LaneResult> {
    try {
      return await this.pool.request({ op: 'write', lane: this.lane, index, outputPath });
    } finally {
      this.outstanding -= 1;
      this.waiting.shift()?.();
    }
  }

  /** Indexes a whole folder into one bundle, as the Pagefind CLI does. */
  indexFolder(folder: string, outputPath: string): Promise<LaneResult> {
    return this.pool.request({ op: 'folder', lane: this.lane, path: folder, outputPath });
  }
}
