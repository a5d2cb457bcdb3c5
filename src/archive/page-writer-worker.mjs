// The worker thread behind PageWriter (page-writer.ts): writes pages one
// after another, synchronously, so each write starts as soon as the last one
// ends, whatever the build's thread is doing. Plain JavaScript: it needs no
// TypeScript loader. The messages are typed in page-writer.ts; keep the two in step.
//
// Text files also get their gzip form beside them (page.html.gz), and the larger ones a brotli form too
// (page.html.br), so the server answers compressed without compressing per request. A page the same as in the previous release
// is linked from it, with its compressed forms: no compressing again, and the same file (so the same
// Last-Modified and ETag), which keeps readers' caches valid across builds.
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { workerData, parentPort } from 'node:worker_threads';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const { siteDir, previousDir, compress } = workerData ?? {};
const COMPRESSIBLE = /\.(?:html|css|js|mjs|xml|txt|svg|json|webmanifest)$/;
/** Below this, compressed forms save less than their headers cost. */
const MIN_BYTES = 512;
/**
 * Brotli only from here: on a 9 KB brief page it saves ~300 bytes over gzip (27% of the page against 30%),
 * and a second twin for each of 10,000 briefs cost a fresh build ~2.7 s more (4.8 s instead of 2.1 s for
 * the twins, 2026-12-08). Listings, feeds, the sitemap and assets are where it pays.
 */
const BROTLI_MIN_BYTES = 16_000;
// Brotli 5 compresses a typical page in ~0.2 ms, within a few per cent of 9, which takes ~6 ms (measured on a brief page).
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } };
// Level 6 (zlib's default): the same size as 9 on these pages, measured.
const GZIP = { level: 6 };

/** The compressed forms a file gets: none, .gz, or .gz and .br. */
const twinsOf = (file, size) => (!compress || !COMPRESSIBLE.test(file) || size < MIN_BYTES ? [] : size < BROTLI_MIN_BYTES ? ['.gz'] : ['.gz', '.br']);

const folders = new Set();
let written = 0;
/** The first write that failed; the pages after it are not written. */
let failure;

function sameAsBefore(file, bytes) {
  if (!previousDir) return undefined;
  const before = path.join(previousDir, path.relative(siteDir, file));
  try {
    const old = readFileSync(before);
    return old.length === bytes.length && old.equals(bytes) ? before : undefined;
  } catch {
    return undefined;
  }
}

function write(file, bytes) {
  const twins = twinsOf(file, bytes.length);
  const before = sameAsBefore(file, bytes);
  if (before) {
    try {
      linkSync(before, file);
      for (const ext of twins) linkSync(before + ext, file + ext);
      return;
    } catch {
      // The previous release lacks a form (built before they existed): write them all below, as files of
      // this release's own (writing through a link would change the previous release's file).
      for (const f of [file, file + '.gz', file + '.br']) rmSync(f, { force: true });
    }
  }
  writeFileSync(file, bytes);
  if (twins.includes('.gz')) writeFileSync(file + '.gz', gzipSync(bytes, GZIP));
  if (twins.includes('.br')) writeFileSync(file + '.br', brotliCompressSync(bytes, BROTLI));
}

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
    write(message.file, Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
    written++;
  } catch (error) {
    failure = { file: message.file, message: error instanceof Error ? error.message : String(error) };
  }
});
