/**
 * A Pagefind service of its own, driven from a worker thread
 * (search-worker.mjs). The pagefind package keeps one service, one child
 * process, per module instance, and that process works through its indexes
 * one message at a time: two shards in one service took as long as one after
 * the other (2.9 s for two of 1,000 briefs, against 1.9 s in two services).
 * A worker thread imports a module instance of its own, so each lane gets its
 * own process, and both cores work.
 */
import { Worker } from 'node:worker_threads';

/** What the worker sends back for a write or a folder: the pages indexed, or the stage that failed and why. */
export interface LaneResult {
  errors: string[];
  stage?: string;
  count?: number;
}

type Request =
  | { op: 'add'; index: number; sourcePath: string; content: string }
  | { op: 'write'; index: number; outputPath: string }
  | { op: 'folder'; path: string; outputPath: string }
  | { op: 'close' };

export class PagefindLane {
  private worker?: Worker;
  private readonly pending = new Map<number, (result: LaneResult) => void>();
  private nextId = 0;
  private nextIndex = 0;
  /** Why the worker died, if it did: its indexes died with it, so every later answer is this failure. */
  private broken?: string;

  constructor(private readonly language: string) {}

  /** A new index in this lane's service; pages go to it with `add`, and `write` writes it out. */
  newIndex(): number {
    return this.nextIndex++;
  }

  /** Hands a page over; failures surface at `write`. sourcePath, not url: Pagefind derives the URL as when it reads a folder. */
  add(index: number, sourcePath: string, content: string): void {
    this.post({ op: 'add', index, sourcePath, content });
  }

  /** Writes the index's bundle to outputPath and frees it. */
  write(index: number, outputPath: string): Promise<LaneResult> {
    return this.request({ op: 'write', index, outputPath });
  }

  /** Indexes a whole folder into one bundle, as the Pagefind CLI does. */
  indexFolder(folder: string, outputPath: string): Promise<LaneResult> {
    return this.request({ op: 'folder', path: folder, outputPath });
  }

  /** Stops the Pagefind process and the worker. Safe to call twice, and when nothing was started. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.request({ op: 'close' });
    this.worker = undefined;
    await worker.terminate();
  }

  private request(message: Request): Promise<LaneResult> {
    return new Promise((resolve) => {
      const id = this.post(message);
      if (this.broken) resolve({ stage: 'worker', errors: [this.broken] });
      else this.pending.set(id, resolve);
    });
  }

  private post(message: Request): number {
    const id = this.nextId++;
    if (!this.broken) this.start().postMessage({ id, ...message });
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
      this.broken = why;
      for (const resolve of this.pending.values()) resolve({ stage: 'worker', errors: [why] });
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`the search worker stopped (exit code ${code})`));
    this.worker = worker;
    return worker;
  }
}
