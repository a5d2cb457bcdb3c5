/**
 * Serves the built archive (dist/). A request path is decoded once and
 * refused if it contains NUL, a backslash, an empty or `..` segment, or a
 * dotfile (other than .well-known); the resolved file, symlinks followed,
 * must still be inside dist/. Anything refused is a plain 404.
 *
 * Files are sent as the build left them: a text file's .br or .gz twin
 * (page-writer-worker.mjs) when the client takes it, so the server never
 * compresses. Each answer names its version (a weak ETag of size and mtime,
 * and Last-Modified), so a revalidation costs a 304. HTML, feeds and the
 * search manifest are revalidated on every use; fingerprinted assets and
 * search shards (named by a hash of their content) are kept for a year.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { FINGERPRINTED } from '../archive/assets.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.eml': 'message/rfc822',
  '.pdf': 'application/pdf',
};

/** Atom feeds are XML, but readers and browsers recognise them by their own type. */
export const contentType = (file: string): string =>
  path.basename(file) === 'feed.xml' ? 'application/atom+xml; charset=utf-8' : (TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');

export type StaticResult = { kind: 'file'; file: string; size: number; mtimeMs: number } | { kind: 'redirect'; location: string } | { kind: 'missing' };

/** Finds the file for a URL path (raw, still percent-encoded), or says why not. */
export async function resolveStatic(distDir: string, rawPath: string): Promise<StaticResult> {
  if (!rawPath.startsWith('/') || rawPath.includes('//')) return { kind: 'missing' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'missing' };
  }
  if (/[\u0000\\]/.test(decoded)) return { kind: 'missing' };
  const segments = decoded.split('/').slice(1);
  for (const [i, s] of segments.entries()) {
    if (s === '..' || s === '.' || (s === '' && i < segments.length - 1)) return { kind: 'missing' };
    if (s.startsWith('.') && s !== '.well-known') return { kind: 'missing' };
  }
  const root = await realpath(distDir).catch(() => undefined);
  if (!root) return { kind: 'missing' };
  const candidate = path.resolve(root, '.' + decoded);
  if (!inside(root, candidate)) return { kind: 'missing' };
  try {
    let file = await realpath(candidate);
    if (!inside(root, file)) return { kind: 'missing' };
    let info = await stat(file);
    if (info.isDirectory()) {
      if (!decoded.endsWith('/')) return { kind: 'redirect', location: rawPath + '/' };
      file = await realpath(path.join(file, 'index.html'));
      if (!inside(root, file)) return { kind: 'missing' };
      info = await stat(file);
    }
    return info.isFile() ? { kind: 'file', file, size: info.size, mtimeMs: info.mtimeMs } : { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
}

const inside = (root: string, file: string) => file === root || file.startsWith(root + path.sep);

/** Named by a hash of their content: a new build gives them new names, so they never change. */
const IMMUTABLE = (sitePath: string) => FINGERPRINTED.test(sitePath) || /^\/pagefind\/[0-9a-f]{20}\//.test(sitePath);
/** Revalidated on every use: pages, feeds, the sitemap, the search manifest. */
const REVALIDATED = /\.(?:html|xml|json|txt)$/;

export function cacheControl(file: string): string {
  const sitePath = file.split(path.sep).join('/');
  if (IMMUTABLE(sitePath)) return 'public, max-age=31536000, immutable';
  if (REVALIDATED.test(file)) return 'no-cache';
  return 'public, max-age=3600';
}

const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

/** Whether Accept-Encoding takes `name` (listed, or `*`, and not q=0). */
function accepts(header: string | undefined, name: string): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.toLowerCase().split(',')) {
    const [coding = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const allowed = q === undefined || Number(q) > 0;
    if (coding.trim() === name) return allowed;
    if (coding.trim() === '*') star = allowed;
  }
  return star;
}

/** Whether the client's copy (If-None-Match, else If-Modified-Since) is this version. */
function fresh(req: IncomingMessage, etag: string, mtimeMs: number): boolean {
  const match = req.headers['if-none-match'];
  if (match !== undefined) return match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag.replace(/^W\//, '') || tag.trim() === '*');
  const since = req.headers['if-modified-since'];
  if (since === undefined) return false;
  const at = Date.parse(since);
  return Number.isFinite(at) && Math.floor(mtimeMs / 1000) * 1000 <= at;
}

/**
 * Sends a file found by resolveStatic: 304 when the client has it, else its best encoding. `sitePath`
 * picks the cache rule; the file's own name picks the type.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  found: { file: string; size: number; mtimeMs: number },
  status = 200,
  // Off under `briefing dev`: Eleventy rewrites files in place there, and the twins an earlier build left are stale.
  precompressed = true,
): Promise<void> {
  const { file } = found;
  const type = contentType(file);
  const atom = type.startsWith('application/atom+xml');
  // A feed opened in a browser tab is shown as a page only as XML (Chromium shows application/atom+xml as
  // plain text, its stylesheet unapplied); feed readers get the Atom type.
  const opened = atom && req.headers['sec-fetch-dest'] === 'document';
  const etag = `W/"${found.size.toString(16)}-${Math.floor(found.mtimeMs).toString(16)}"`;
  res.setHeader('Content-Type', opened ? 'application/xml; charset=utf-8' : type);
  res.setHeader('Cache-Control', status === 200 ? cacheControl(file) : 'no-cache');
  res.setHeader('Vary', atom ? 'Accept-Encoding, Sec-Fetch-Dest' : 'Accept-Encoding');
  if (status === 200) {
    res.setHeader('ETag', etag);
    res.setHeader('Last-Modified', new Date(found.mtimeMs).toUTCString());
    if (fresh(req, etag, found.mtimeMs)) {
      res.statusCode = 304;
      res.end();
      return;
    }
  }
  let body = file;
  let size = found.size;
  for (const encoding of precompressed ? ENCODINGS : []) {
    if (!accepts(req.headers['accept-encoding'], encoding.name)) continue;
    const twin = await stat(file + encoding.ext).catch(() => undefined);
    if (!twin?.isFile()) continue;
    body = file + encoding.ext;
    size = twin.size;
    res.setHeader('Content-Encoding', encoding.name);
    break;
  }
  res.statusCode = status;
  res.setHeader('Content-Length', size);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(body);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
