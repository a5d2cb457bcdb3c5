/**
 * Sizes as people read them, one way everywhere: decimal kB and MB (1 kB =
 * 1,000 bytes), the unit email.max_html_bytes and Gmail's ~102 kB clip use.
 * Limits are round decimal numbers, so a limit prints as it is written.
 */
export function formatSize(bytes: number): string {
  if (bytes < 1_000_000) return `${trim((bytes / 1_000).toFixed(1))} kB`;
  return `${trim((bytes / 1_000_000).toFixed(1))} MB`;
}

const trim = (s: string) => s.replace(/\.0$/, '');
