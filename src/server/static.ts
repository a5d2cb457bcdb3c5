/**
 * Serves the built archive (dist/). A request path is decoded once and
 * refused if it contains NUL, a backslash, an empty or `..` segment, or a
 * dotfile (other than .well-known); the resolved file, symlinks followed,
 * must still be inside dist/. Anything refused is a plain 404.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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

export const contentType = (file: string): string => TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

export type StaticResult = { kind: 'file'; file: string; size: number } | { kind: 'redirect'; location: string } | { kind: 'missing' };

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
    return info.isFile() ? { kind: 'file', file, size: info.size } : { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
}

const inside = (root: string, file: string) => file === root || file.startsWith(root + path.sep);

export function sendFile(req: IncomingMessage, res: ServerResponse, file: string, size: number, status = 200): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType(file));
  res.setHeader('Content-Length', size);
  res.setHeader('Cache-Control', file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600');
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
