/**
 * Variants for delivery: one render per distinct set of followed themes that
 * the edition actually has, memoized, so a 100,000-subscriber list costs a
 * handful of renders. Per-recipient data goes in afterwards via `personalize`.
 */
import type { Config } from '../config/schema.js';
import type { ResolvedEdition } from '../editions/published.js';
import { variantThemes } from './email-data.js';
import { renderEmailVariant } from './email.js';
import type { EmailVariant } from './variant.js';

export { subjectFor } from './email-data.js';

export interface VariantCache {
  /**
   * The variant key for a subscriber's followed themes: the slugs the edition
   * has, in configured order, joined by ','. null when none overlap (skip the recipient).
   */
  themeKey(themes: readonly string[]): string | null;
  /** The variant for these followed themes; rendered once per key. Rejects with VARIANT_EMPTY when themeKey is null. */
  get(themes: readonly string[]): Promise<EmailVariant>;
  /** How many variants have been rendered so far (one per distinct key). */
  readonly renders: number;
}

export function createVariantCache(config: Config, edition: ResolvedEdition): VariantCache {
  const cache = new Map<string, Promise<EmailVariant>>();
  let renders = 0;
  const themeKey = (themes: readonly string[]) => {
    const key = variantThemes(config, edition, themes).map((t) => t.slug).join(',');
    return key || null;
  };
  return {
    themeKey,
    get(themes) {
      const key = themeKey(themes);
      // Let the renderer raise the VARIANT_EMPTY error with its message.
      if (key === null) return renderEmailVariant(config, edition, themes);
      let variant = cache.get(key);
      if (!variant) {
        renders += 1;
        variant = renderEmailVariant(config, edition, key.split(','));
        // A failed render is not cached, so a later call can retry.
        variant.catch(() => cache.delete(key));
        cache.set(key, variant);
      }
      return variant;
    },
    get renders() {
      return renders;
    },
  };
}
