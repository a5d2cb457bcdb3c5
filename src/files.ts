/**
 * The one way Briefing writes a file it keeps as a record (edition files,
 * outbox messages, the local secret): to a temporary file beside it, fsynced,
 * then put in place in one step. A crash or a full disk leaves the old file
 * or none, never half of one, and the temporary file is removed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { link, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Fail with EEXIST rather than replace an existing file (link() refuses an existing name atomically). */
  exclusive?: boolean;
  /** Permissions of the new file (default 0o644; secrets and subscriber data 0o600). */
  mode?: number;
}

/** A failed write(2) names no file: name the one being written. */
const named = (error: unknown, file: string): unknown => {
  if (error instanceof Error && (error as NodeJS.ErrnoException).code && !(error as NodeJS.ErrnoException).path) (error as NodeJS.ErrnoException).path = file;
  return error;
};

const tempFor = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempFor(file);
  const handle = await open(temp, 'wx', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw named(error, file);
  }
  await handle.close();
  try {
    if (options.exclusive) await link(temp, file);
    else await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (options.exclusive) await unlink(temp).catch(() => {});
}

/** writeFileAtomic for synchronous callers (the secret is resolved before anything else runs). */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const temp = tempFor(file);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeQuietly(temp);
    throw named(error, file);
  }
  closeSync(fd);
  try {
    if (options.exclusive) linkSync(temp, file);
    else renameSync(temp, file);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
  if (options.exclusive) removeQuietly(temp);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
