/**
 * One base error for everything Briefing reports to a person. Subclasses add
 * context; the original error is kept as `cause`, and `formatError` is the one
 * place that decides how much of the chain a user sees.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'BRIEF_INVALID'
  | 'BRIEF_EXISTS'
  | 'EDITION_INVALID'
  | 'EDITION_NOT_FOUND'
  | 'NOTHING_TO_ASSEMBLE'
  | 'TEMPLATE_ERROR'
  | 'EMAIL_TOO_LARGE'
  | 'BUILD_FAILED'
  | 'SUBSCRIBER_INVALID'
  | 'DELIVERY_FAILED'
  | 'DELIVERY_STOPPED'
  | 'SMTP_UNREACHABLE'
  | 'BOUNCES_INVALID'
  | 'BOUNCE_MAILBOX_FAILED'
  | 'SEND_STALE'
  | 'PREFLIGHT_FAILED'
  | 'PORT_UNAVAILABLE'
  | 'SERVICE_RUNNING'
  | 'SECRET_MISSING'
  | 'LOCKED'
  | 'USAGE'
  | 'VARIANT_EMPTY'
  | 'INTERNAL';

export interface Position {
  line: number;
  col: number;
}

export class BriefingError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly position: Position | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { file?: string; position?: Position; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.file = options.file;
    this.position = options.position;
  }

  /** `path:line:col: message`, the form editors and terminals can jump to. */
  get located(): string {
    if (!this.file) return this.message;
    const at = this.position ? `:${this.position.line}:${this.position.col}` : '';
    return `${this.file}${at}: ${this.message}`;
  }
}

/** A problem with what the user gave us (a brief, the config, a CSV row): exit code 1. */
export class InputError extends BriefingError {}

/** The command line itself was wrong: exit code 2. */
export class UsageError extends BriefingError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * Renders an error for a terminal. Without `debug` a writer sees one line per
 * error in the chain and never a stack trace.
 */
export function formatError(error: unknown, debug = false): string {
  const lines: string[] = [];
  let current: unknown = error;
  let depth = 0;
  while (current !== undefined && depth < 8) {
    const prefix = depth === 0 ? 'error: ' : '  caused by: ';
    if (current instanceof BriefingError) lines.push(prefix + current.located);
    else if (current instanceof Error) lines.push(prefix + current.message);
    else lines.push(prefix + String(current));
    if (debug && current instanceof Error && current.stack) {
      lines.push(current.stack.split('\n').slice(1).join('\n'));
    }
    current = current instanceof Error ? current.cause : undefined;
    depth += 1;
  }
  return lines.join('\n');
}

/** Errors of the disk, not of Briefing: full, over quota, read-only. */
const DISK_CODES: Record<string, string> = { ENOSPC: 'is full', EDQUOT: 'is over its quota', EROFS: 'is read-only', SQLITE_FULL: 'is full' };

/**
 * When the error (or one of its causes) is the disk's: which disk (its mount point) and which path, in one
 * line, so the CLI says so instead of calling it a bug. `database` names the file of SQLite's "database or
 * disk is full", which carries no path.
 */
export function diskProblem(error: unknown, database?: string): string | undefined {
  let current: unknown = error;
  let file: string | undefined;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof BriefingError && current.file) file = current.file;
    const { code, path: errorPath } = current as NodeJS.ErrnoException;
    const what = code ? DISK_CODES[code] : undefined;
    if (what) {
      const where = errorPath ?? (code!.startsWith('SQLITE_') ? database : file);
      return where ? `the disk holding ${where} (mounted at ${mountPointOf(where)}) ${what} (${code}); free some space there and run the command again` : `a disk ${what} (${code}); free some space and run the command again`;
    }
    current = current.cause;
  }
  return undefined;
}

/** The mount point of the filesystem a path is on: the highest folder above it on the same device. */
function mountPointOf(target: string): string {
  let dir = path.resolve(target);
  while (!existsSync(dir)) dir = path.dirname(dir);
  const device = statSync(dir).dev;
  for (let parent = path.dirname(dir); parent !== dir && statSync(parent).dev === device; parent = path.dirname(parent)) dir = parent;
  return dir;
}
