/**
 * Reads a small form body: application/x-www-form-urlencoded or
 * multipart/form-data (RFC 8058 allows both for the one-click POST). File
 * parts are ignored; bodies over the limit are refused.
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

export type Form = Map<string, string[]>;

export class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_BODY_BYTES = 16 * 1024;

export async function readForm(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Form> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyError(413, 'request body too large');
  if (type.startsWith('multipart/form-data')) return readMultipart(req, limit);
  const body = await readBody(req, limit);
  const form: Form = new Map();
  // Any other content type (or none) is read as urlencoded: a one-click POST may come without one.
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) form.set(key, [...(form.get(key) ?? []), value]);
  return form;
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyError(413, 'request body too large'));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function readMultipart(req: IncomingMessage, limit: number): Promise<Form> {
  return new Promise((resolve, reject) => {
    const form: Form = new Map();
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fieldSize: 4096, fields: 50, files: 5, fileSize: 0, parts: 60 } });
    } catch {
      reject(new BodyError(400, 'malformed multipart body'));
      return;
    }
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.unpipe(bb);
        req.resume();
        reject(new BodyError(413, 'request body too large'));
      }
    });
    bb.on('field', (name, value) => form.set(name, [...(form.get(name) ?? []), value]));
    bb.on('file', (_name, stream) => stream.resume());
    bb.on('close', () => resolve(form));
    bb.on('error', () => reject(new BodyError(400, 'malformed multipart body')));
    req.pipe(bb);
  });
}
