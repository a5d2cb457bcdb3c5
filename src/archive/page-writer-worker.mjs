// The worker thread behind PageWriter (page-writer.ts): writes pages one
// after another, synchronously, so each write starts as soon as the last one
// ends, whatever the build's thread is doing. Plain JavaScript: it needs no
// TypeScript loader. The messages are typed in page-writer.ts; keep the two in step.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';

const folders = new Set();
let written = 0;
/** The first write that failed; the pages after it are not written. */
let failure;

parentPort.on('message', (message) => {
  if (message.op === 'done') {
    parentPort.postMessage(failure ? { failure } : { written });
    return;
  }
  if (failure) return;
  try {
    const folder = path.dirname(message.file);
    if (!folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      folders.add(folder);
    }
    writeFileSync(message.file, message.bytes);
    written++;
  } catch (error) {
    failure = { file: message.file, message: error instanceof Error ? error.message : String(error) };
  }
});
