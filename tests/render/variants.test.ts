/**
 * Variants for delivery: one render per distinct theme set the edition has,
 * never one per subscriber; placeholders survive for per-recipient data.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createVariantCache } from '../../src/render/variants.js';
import { PLACEHOLDERS, personalize } from '../../src/render/variant.js';
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
    expect(variant.html).toContain(`href="${PLACEHOLDERS.unsubscribeUrl}"`);
    expect(variant.html).toContain(`href="${PLACEHOLDERS.preferencesUrl}"`);
    expect(variant.text).toContain(PLACEHOLDERS.unsubscribeUrl);
    const mine = personalize(variant, {
      unsubscribeUrl: 'https://briefing.test/unsubscribe?token=abc&x=1',
      preferencesUrl: 'https://briefing.test/preferences?token=abc',
      name: 'Ana',
    });
    expect(mine.html).toContain('href="https://briefing.test/unsubscribe?token=abc&amp;x=1"');
    expect(mine.text).toContain('Unsubscribe: https://briefing.test/unsubscribe?token=abc&x=1');
    expect(mine.html + mine.text).not.toMatch(/BRIEFING_PH_/);
  });

  it('puts the reader\'s name in the greeting when one is configured', async () => {
    project = tempProject({ config: { email: { greeting: 'Hello {name},' } } });
    project.writeBrief('a.md', briefText());
    const e = await withEdition(project);
    const variant = await createVariantCache(e.config, e.edition).get(['open-source']);
    expect(variant.html).toContain(`Hello${PLACEHOLDERS.name},`);
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
