// The worker thread behind PagefindLane (pagefind-lane.ts). It imports its
// own instance of the pagefind package, so it talks to a Pagefind process of
// its own. Plain JavaScript: it needs no TypeScript loader, so it starts in
// milliseconds. The messages it takes and the replies it sends are typed in
// pagefind-lane.ts; keep the two in step.
import child_process from 'node:child_process';
import { once } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';

// pagefind's close() kills its process without waiting for it to end. Were
// this thread to stop first, nothing would reap the process: a zombie for
// each build of a long-running `briefing start` (seen). So keep each process
// the package spawns (its service.js calls child_process.spawn), and wait for
// them at 'close'. This thread's builtins are its own: no other code sees this.
const spawned = [];
const spawn = child_process.spawn;
child_process.spawn = function (...args) {
  const child = spawn.apply(this, args);
  spawned.push(child);
  return child;
};
const pagefind = await import('pagefind');

/** @type {Map<number, { created: ReturnType<typeof pagefind.createIndex>, adds: Array<Promise<{ errors: string[] }>> }>} */
const indexes = new Map();
/**
 * The last write asked for. A new index is created only once it is done, so
 * this Pagefind holds one index at a time however fast shards arrive: the
 * caller hands each shard over as soon as it is complete.
 */
let previous = Promise.resolve();
/** Once closed, an index still waiting its turn must not start a new Pagefind process. */
let closing = false;

function open(id) {
  let entry = indexes.get(id);
  if (!entry) {
    const create = () => (closing ? { errors: ['the search index was closed'] } : pagefind.createIndex({ forceLanguage: workerData.language }));
    entry = { created: previous.then(create), adds: [] };
    entry.created.catch(() => undefined);
    indexes.set(id, entry);
  }
  return entry;
}

async function writeIndex(entry, outputPath) {
  const { index, errors } = await entry.created;
  if (!index) return { stage: 'createIndex', errors };
  try {
    const added = await Promise.all(entry.adds);
    const failed = added.flatMap((r) => r.errors);
    if (failed.length > 0) return { stage: 'indexing', errors: failed };
    const written = await index.writeFiles({ outputPath });
    if (written.errors.length > 0) return { stage: 'writing', errors: written.errors };
    return { errors: [], count: entry.adds.length };
  } finally {
    await index.deleteIndex().catch(() => undefined);
  }
}

async function indexFolder(folder, outputPath) {
  const { index, errors } = await pagefind.createIndex({ forceLanguage: workerData.language });
  if (!index) return { stage: 'createIndex', errors };
  try {
    const added = await index.addDirectory({ path: folder });
    if (added.errors.length > 0) return { stage: 'indexing', errors: added.errors };
    const written = await index.writeFiles({ outputPath });
    if (written.errors.length > 0) return { stage: 'writing', errors: written.errors };
    return { errors: [], count: added.page_count };
  } finally {
    await index.deleteIndex().catch(() => undefined);
  }
}

async function handle(message) {
  switch (message.op) {
    case 'add': {
      const entry = open(message.index);
      const added = entry.created.then(({ index, errors }) => (index ? index.addHTMLFile({ sourcePath: message.sourcePath, content: message.content }) : { errors }));
      // Awaited by writeIndex; never an unhandled rejection meanwhile.
      added.catch(() => undefined);
      entry.adds.push(added);
      return undefined;
    }
    case 'write': {
      const entry = open(message.index);
      indexes.delete(message.index);
      const written = writeIndex(entry, message.outputPath);
      previous = written.then(
        () => undefined,
        () => undefined,
      );
      return written;
    }
    case 'folder':
      return indexFolder(message.path, message.outputPath);
    case 'close':
      closing = true;
      await pagefind.close();
      await Promise.all(spawned.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
      return { errors: [] };
    default:
      throw new Error(`unknown message ${JSON.stringify(message.op)}`);
  }
}

parentPort.on('message', (message) => {
  handle(message).then(
    (reply) => {
      if (reply) parentPort.postMessage({ id: message.id, ...reply });
    },
    (error) => parentPort.postMessage({ id: message.id, stage: message.op, errors: [error instanceof Error ? error.message : String(error)] }),
  );
});
