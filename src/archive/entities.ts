/**
 * Entity slugs: one page per entity at /entities/<slug>/. Case, accents and
 * punctuation do not make a second entity ("Nvidia", "NVIDIA" and "nvidia"
 * are one). Letters of any script are kept (华为 stays 华为, percent-encoded
 * in links); a name of symbols only gets a short hash so it still has a page.
 */
import { createHash } from 'node:crypto';

export function entitySlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  return slug || `e-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}
