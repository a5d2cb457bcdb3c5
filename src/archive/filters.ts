/**
 * The archive's Nunjucks filters, all in one module. Data arrives precomputed
 * (see data.ts), so these stay few and cheap: they run once per page.
 */
import { absolute } from '../urls.js';

export const filters = {
  /** A site path made absolute with the configured base URL (feeds, canonical links). */
  absoluteUrl: (sitePath: string, baseUrl: string): string => absolute(baseUrl, sitePath),
  /** "1 brief", "2 briefs". */
  count: (n: number, singular: string, plural = `${singular}s`): string => `${n} ${n === 1 ? singular : plural}`,
  /** Joins labels of theme references: "AI safety, Open source". */
  labels: (refs: ReadonlyArray<{ label: string }>): string => refs.map((r) => r.label).join(', '),
  /** Slugs of theme references, space-separated: "safety open-source" (the search results' theme pills). */
  slugs: (refs: ReadonlyArray<{ slug: string }>): string => refs.map((r) => r.slug).join(' '),
  /** Every theme except the given one: a brief's *other* themes on a theme page. */
  without: <T extends { slug: string }>(refs: readonly T[], slug: string): T[] => refs.filter((r) => r.slug !== slug),
};

export type FilterName = keyof typeof filters;
