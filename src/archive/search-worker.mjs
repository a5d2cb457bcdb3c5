// The worker thread behind PagefindPool (pagefind-lane.ts). Each lane imports
// its own instance of the pagefind package, so it talks to a Pagefind process
// of its own. Plain JavaScript: it needs no TypeScript loader, so it starts in
// milliseconds. The messages it takes and the replies it sends are typed in
// pagefind-lane.ts; keep the two in step.
import child_process from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

// The package's service.js starts Pagefind with child_process.spawn and
// then loses sight of the process; two things go wrong:
// - its close() kills the process without waiting for it to end. Were this
//   thread to stop first, nothing would reap it: a zombie for each build of
//   a long-running `briefing start` (seen);
// - a process that dies on its own (killed, out of memory) leaves every call
//   still waiting on it waiting forever (seen: a build that never ended).
// So keep each process it spawns: wait for the ones it killed, and close the
// lane's service when one dies, which fails what waits on it. This thread's
// builtins are its own: no other code sees this.
const spawned = [];
/** The lane whose pagefind is starting its service right now (spawn runs inside its createIndex call). */
let spawning;
const spawn = child_process.spawn;
child_process.spawn = function (...args) {
  const child = spawn.apply(this, args);
  spawned.push(child);
  const lane = spawning;
  child.once('exit', () => {
    if (!child.killed && lane) void lane.pagefind.then((pagefind) => pagefind.close());
  });
  return child;
};

/**
 * createIndex of the lane's pagefind, which starts its service (and its process) when it has none.
 * `maxFragments` bundles the result fragments into that many files (none: a file per page).
 */
async function createIndex(lane, maxFragments) {
  const pagefind = await lane.pagefind;
  spawning = lane;
  try {
    return pagefind.createIndex({ forceLanguage: workerData.language, ...(maxFragments ? { maxFragments } : {}) });
  } finally {
    spawning = undefined;
  }
}

/** Waits for every Pagefind process that was told to stop. */
function reaped() {
  return Promise.all(spawned.map((child) => (child.killed && child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
}

// The package keeps its service in a module-level variable: a module URL of
// its own (the same file, another query) is another instance, so another process.
const entry = import.meta.resolve('pagefind');
const lanes = new Map();

function laneOf(n) {
  let lane = lanes.get(n);
  if (!lane) {
    const url = new URL(entry);
    url.searchParams.set('briefing-lane', String(n));
    lane = {
      pagefind: import(url.href),
      indexes: new Map(),
      // The last write asked for. A new index is created only once it is done, so each process
      // holds one index at a time.
      previous: Promise.resolve(),
    };
    lanes.set(n, lane);
  }
  return lane;
}

/** Once closed, an index still waiting its turn must not start a new Pagefind process. */
let closing = false;

function open(lane, id, maxFragments) {
  let index = lane.indexes.get(id);
  if (!index) {
    const create = () => (closing ? { errors: ['the search index was closed'] } : createIndex(lane, maxFragments));
    index = { created: lane.previous.then(create), adds: [] };
    index.created.catch(() => undefined);
    lane.indexes.set(id, index);
  }
  return index;
}

/**
 * A fresh Pagefind process for each index: a process keeps what earlier
 * indexes allocated (measured: about 220 MB after a few shards of 1,000
 * briefs, against 130 MB for one), and starting one costs far less than
 * indexing a shard.
 */
async function restart(lane) {
  await (await lane.pagefind).close();
  await reaped();
}

/**
 * Fills a created index with `add`, which resolves to { errors, count },
 * writes its bundle to outputPath, and frees it whatever happens.
 *
 * The bundle is taken from Pagefind in memory (getFiles) and written here,
 * not by its writeFiles, which also leaves out the UNUSED files: Pagefind
 * 1.5 wrote each file with tokio's write_all and never flushed, so
 * writeFiles could answer while the last bytes were still on their way, and
 * the process is stopped right after (restart, close). Seen: an empty
 * pagefind-entry.json in about one test run in ten (not rechecked with
 * 1.6). getFiles returns the same bytes (checked file by file).
 */
async function fillAndWrite(created, outputPath, add) {
  const { index, errors } = await created;
  if (!index) return { stage: 'createIndex', errors };
  try {
    const added = await add(index);
    if (added.errors.length > 0) return { stage: 'indexing', errors: added.errors };
    const bundle = await index.getFiles();
    if (bundle.errors.length > 0) return { stage: 'writing', errors: bundle.errors };
    await writeBundle(outputPath, bundle.files);
    return { errors: [], count: added.count };
  } finally {
    await index.deleteIndex().catch(() => undefined);
  }
}

/**
 * Pagefind's ready-made search interfaces and its highlighter: the archive's
 * search page uses none of them (only pagefind.js and what it loads), and
 * they are ~430 KB and seven files in every shard.
 */
const UNUSED = /^pagefind-(?:ui|modular-ui|component-ui|highlight)\.(?:js|css)$/;

/** Writes Pagefind's files ({ path, content }, paths relative to the bundle) under outputPath, but not UNUSED ones. */
async function writeBundle(outputPath, all) {
  const files = all.filter((file) => !UNUSED.test(file.path));
  const dirs = new Set(files.map((file) => path.dirname(path.join(outputPath, file.path))));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  await Promise.all(files.map((file) => writeFile(path.join(outputPath, file.path), file.content)));
}

/** An index fed page by page ('add' messages). */
function writeIndex(entry, outputPath) {
  return fillAndWrite(entry.created, outputPath, async () => {
    const added = await Promise.all(entry.adds);
    return { errors: added.flatMap((r) => r.errors), count: entry.adds.length };
  });
}

/** A whole folder in one index, as the Pagefind CLI reads it. */
function indexFolder(lane, folder, outputPath) {
  return fillAndWrite(createIndex(lane), outputPath, async (index) => {
    const added = await index.addDirectory({ path: folder });
    return { errors: added.errors, count: added.page_count };
  });
}

async function handle(message) {
  switch (message.op) {
    case 'open':
      open(laneOf(message.lane), message.index, message.maxFragments);
      return undefined;
    case 'add': {
      const index = open(laneOf(message.lane), message.index);
      const added = index.created.then(({ index: pf, errors }) => (pf ? pf.addHTMLFile({ sourcePath: message.sourcePath, content: message.content }) : { errors }));
      // Awaited by writeIndex; never an unhandled rejection meanwhile.
      added.catch(() => undefined);
      index.adds.push(added);
      return undefined;
    }
    case 'write': {
      const lane = laneOf(message.lane);
      const index = open(lane, message.index);
      lane.indexes.delete(message.index);
      const written = writeIndex(index, message.outputPath);
      const next = () => restart(lane);
      lane.previous = written.then(next, next).catch(() => undefined);
      return written;
    }
    case 'folder':
      return indexFolder(laneOf(message.lane), message.path, message.outputPath);
    case 'close':
      closing = true;
      await Promise.all([...lanes.values()].map(async (lane) => (await lane.pagefind).close()));
      await reaped();
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
