/**
 * One base error for everything Briefing reports to a person. Subclasses add
 * context; the original error is kept as `cause`, and `formatError` is the one
 * place that decides how much of the chain a user sees.
 */
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
