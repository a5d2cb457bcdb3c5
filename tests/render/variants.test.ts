/**
 * Variants for delivery: one render per distinct theme set the edition has,
 * never one per subscriber; placeholders survive for per-recipient data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createVariantCache } from '../../src/render/variants.js';
import { personalize } from '../../src/render/variant.js';
import type { TempProject } from '../helpers/project.js';
import { sampleEdition, withEdition } from './edition-project.js';
import { briefText, tempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('createVariantCache', () => {
  it('renders once per distinct theme set, however many subscribers share it', async () => {
    const e = await sampleEdition();
    project = e.project;
    const cache = createVariantCache(e.config, e.edition);
    const follows = [['safety'], ['open-source', 'safety'], ['safety', 'open-source'], ['export-controls'], ['safety', 'open-source', 'export-controls'], ['safety', 'not-a-theme']];
    const subscribers = Array.from({ length: 3000 }, (_, i) => follows[i % follows.length]!);
    const variants = await Promise.all(subscribers.map((themes) => cache.get(themes)));
    // {safety}, {safety,open-source}, {export-controls}, {all three}
    expect(cache.renders).toBe(4);
    expect(new Set(variants).size).toBe(4);
    expect(variants[1]).toBe(variants[2]);
    expect(variants[1]!.themes).toEqual(['safety', 'open-source']);
    await cache.get(['safety']);
    expect(cache.renders).toBe(4);
  });

  it('keys theme sets by what the edition has, in configured order; null when nothing overlaps', async () => {
    project = tempProject();
    project.writeBrief('only-safety.md', briefText({ themes: ['safety'] }));
    const e = await withEdition(project);
    const cache = createVariantCache(e.config, e.edition);
    expect(cache.themeKey(['open-source', 'safety'])).toBe('safety');
    expect(cache.themeKey(['safety', 'export-controls'])).toBe('safety');
    expect(cache.themeKey(['open-source'])).toBeNull();
    expect(cache.themeKey([])).toBeNull();
    await expect(cache.get(['open-source'])).rejects.toMatchObject({ code: 'VARIANT_EMPTY' });
    expect(cache.renders).toBe(0);
  });

  it('leaves placeholder tokens intact for personalize', async () => {
    const e = await sampleEdition();
    project = e.project;
    const variant = await createVariantCache(e.config, e.edition).get(['safety']);
    const P = variant.placeholders;
    expect(variant.html).toContain(`href="${P.unsubscribeUrl}"`);
    expect(variant.html).toContain(`href="${P.preferencesUrl}"`);
    expect(variant.text).toContain(P.unsubscribeUrl);
    const mine = personalize(variant, {
      unsubscribeUrl: 'https://briefing.test/unsubscribe?token=abc&x=1',
      preferencesUrl: 'https://briefing.test/preferences?token=abc',
      name: 'Ana',
    });
    expect(mine.html).toContain('href="https://briefing.test/unsubscribe?token=abc&amp;x=1"');
    expect(mine.text).toContain('Unsubscribe: https://briefing.test/unsubscribe?token=abc&x=1');
    expect(mine.html + mine.text).not.toMatch(/BRIEFING_PH_/);
  });

  it('a placeholder token written in a brief stays text: it never becomes a recipient’s link or name', async () => {
    project = tempProject({ config: { email: { greeting: 'Hello {name},' } } });
    const tokens = 'BRIEFING_PH_UNSUBSCRIBE_URL BRIEFING_PH_PREFERENCES_URL BRIEFING_PH_NAME';
    project.writeBrief('a.md', briefText({ title: `Title ${tokens}`, summary: `Summary ${tokens}` }));
    const e = await withEdition(project);
    const variant = await createVariantCache(e.config, e.edition).get(['open-source']);
    const mine = personalize(variant, { unsubscribeUrl: 'https://briefing.test/unsubscribe?token=SECRET', preferencesUrl: 'https://briefing.test/preferences?token=SECRET', name: 'Ana' });
    for (const part of [mine.html, mine.text, mine.subject]) {
      expect(part.replace(/\s+/g, ' ')).toContain('BRIEFING_PH_UNSUBSCRIBE_URL BRIEFING_PH_PREFERENCES_URL BRIEFING_PH_NAME');
      // The signed links appear only where the template put them: the footer (twice in the HTML: href only).
      expect(part.split('token=SECRET').length - 1).toBeLessThanOrEqual(2);
    }
    expect(mine.html).toContain('Hello Ana,');
    // Each render draws its own tokens.
    const again = await createVariantCache(e.config, e.edition).get(['open-source']);
    expect(again.placeholders.unsubscribeUrl).not.toBe(variant.placeholders.unsubscribeUrl);
  });

  it('puts the reader\'s name in the greeting when one is configured', async () => {
    project = tempProject({ config: { email: { greeting: 'Hello {name},' } } });
    project.writeBrief('a.md', briefText());
    const e = await withEdition(project);
    const variant = await createVariantCache(e.config, e.edition).get(['open-source']);
    expect(variant.html).toContain(`Hello${variant.placeholders.name},`);
    const mine = personalize(variant, { unsubscribeUrl: 'u', preferencesUrl: 'p', name: '<Ana & Bo>' });
    expect(mine.html).toContain('Hello &lt;Ana &amp; Bo&gt;,');
    expect(mine.text).toContain('Hello <Ana & Bo>,');
    // Regression: a subscriber without a name got "Hello ,".
    const nameless = personalize(variant, { unsubscribeUrl: 'u', preferencesUrl: 'p', name: '' });
    expect(nameless.html).toContain('Hello,');
    expect(nameless.text).toContain('Hello,');
    expect(nameless.html + nameless.text).not.toMatch(/Hello ,/);
  });
});
