/**
 * The messages in what `bounces import` is given: one .eml file, an mbox
 * (messages after "From " lines, read as a stream, so a 50 MB mailbox costs
 * one message of memory), a Maildir (its cur/ and new/), or a folder of .eml
 * files. Each comes with where it was found, for the log.
 */
import { formatSize } from '../units.js';
import { createReadStream, existsSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { InputError } from '../errors.js';

export interface MailboxMessage {
  /** `file`, or `file:line` for a message inside an mbox. */
  where: string;
  raw: Buffer;
}

/** A message larger than this is skipped (and said): no bounce report is anywhere near it. */
export const MAX_MESSAGE_BYTES = 10_000_000;

export async function* readMailbox(target: string): AsyncGenerator<MailboxMessage | { where: string; skipped: string }> {
  let stat;
  try {
    stat = statSync(target);
  } catch (cause) {
    throw new InputError('BOUNCES_INVALID', 'cannot read it (no such file or folder?)', { file: target, cause });
  }
  if (stat.isDirectory()) {
    const maildir = ['cur', 'new'].map((d) => path.join(target, d)).filter((d) => existsSync(d));
    const dirs = maildir.length > 0 ? maildir : [target];
    for (const dir of dirs) {
      for (const name of readdirSync(dir).sort()) {
        const file = path.join(dir, name);
        if (!statSync(file).isFile() || name.startsWith('.')) continue;
        yield* readFile(file);
      }
    }
    return;
  }
  yield* readFile(target);
}

async function* readFile(file: string): AsyncGenerator<MailboxMessage | { where: string; skipped: string }> {
  if (isMbox(file)) {
    yield* readMbox(file);
    return;
  }
  const size = statSync(file).size;
  if (size > MAX_MESSAGE_BYTES) yield { where: file, skipped: `${formatSize(size)}, larger than any report` };
  else yield { where: file, raw: readFileSync(file) };
}

function isMbox(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    return readSync(fd, head, 0, 5, 0) === 5 && head.toString('latin1') === 'From ';
  } finally {
    closeSync(fd);
  }
}

/** mboxrd: a message starts at each "From " line; ">From " lines inside lose one ">". */
async function* readMbox(file: string): AsyncGenerator<MailboxMessage | { where: string; skipped: string }> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'latin1' }), crlfDelay: Infinity });
  let parts: string[] = [];
  let bytes = 0;
  let start = 0;
  let lineNo = 0;
  let tooBig = false;
  const finish = (): MailboxMessage | { where: string; skipped: string } | undefined => {
    if (start === 0) return undefined;
    const where = `${file}:${start}`;
    if (tooBig) return { where, skipped: `larger than ${formatSize(MAX_MESSAGE_BYTES)}` };
    return { where, raw: Buffer.from(parts.join('\r\n'), 'latin1') };
  };
  for await (const line of lines) {
    lineNo += 1;
    if (line.startsWith('From ')) {
      const done = finish();
      if (done) yield done;
      parts = [];
      bytes = 0;
      tooBig = false;
      start = lineNo;
      continue;
    }
    if (tooBig) continue;
    bytes += line.length + 2;
    if (bytes > MAX_MESSAGE_BYTES) {
      tooBig = true;
      parts = [];
      continue;
    }
    parts.push(/^>+From /.test(line) ? line.slice(1) : line);
  }
  const last = finish();
  if (last) yield last;
}
