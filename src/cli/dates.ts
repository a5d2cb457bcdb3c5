/** `--date` on every command: a real calendar date written YYYY-MM-DD, or a usage error (exit 2), in one message. */
import { isoDate } from '../briefs/schema.js';
import { UsageError } from '../errors.js';

export function checkDateFlag(value: string): string {
  if (!isoDate('--date').safeParse(value).success) throw new UsageError(`--date must be a real date written YYYY-MM-DD, such as 2026-12-07; not '${value}'`);
  return value;
}
