/**
 * Email, on the corpus's latest edition (30 items):
 * - MJML render time per variant: cold (the first render in a fresh process)
 *   and warm (each variant rendered again, `--warm` times);
 * - producing `--messages` personalized messages across the 8 theme choices
 *   through createVariantCache + personalize: substitution, not re-rendering.
 * Also writes the variant of each of the 8 theme choices to `--sample`: the
 * delivery baselines send the same mix as Briefing's subscribers get.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { loadPublished } from '../../src/editions/published.js';
import { personalize } from '../../src/render/variant.js';
import { report, taskArgs } from '../lib/child.js';
import { part, type CreateVariantCache, type RenderEmailVariant } from '../lib/parts.js';
import { summarize } from '../lib/stats.js';
import { themeChoices } from '../lib/themes.js';
import { writeSample, type Sample } from '../lib/sample.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const messages = Number(args.messages ?? 100_000);
const warmRounds = Number(args.warm ?? 3);

const renderEmailVariant = await part<RenderEmailVariant>('render/email', 'renderEmailVariant');
const createVariantCache = await part<CreateVariantCache>('render/variants', 'createVariantCache');
const config = loadConfig({ root, env: {} });
const published = await loadPublished(config);
const edition = published.editions.at(-1);
if (!edition) throw new Error('the corpus has no edition');
const slugs = config.themes.map((t) => t.slug);

let t = performance.now();
const first = await renderEmailVariant(config, edition, slugs);
const coldMs = performance.now() - t;

const warm: number[] = [];
const subsets = themeChoices(slugs).filter((c) => c.length > 0);
for (let round = 0; round < warmRounds; round++) {
  for (const themes of subsets) {
    t = performance.now();
    await renderEmailVariant(config, edition, themes);
    warm.push(performance.now() - t);
  }
}

// Production: a fresh cache, as `send` would make; its renders are part of the cost.
const choices = themeChoices(slugs);
const cache = createVariantCache(config, edition);
let bytes = 0;
t = performance.now();
for (let i = 0; i < messages; i++) {
  const themes = choices[i % choices.length]!;
  if (cache.themeKey(themes) === null) continue;
  const variant = await cache.get(themes);
  const base = `${config.site.base_url}/subscriber/${i}`;
  const m = personalize(variant, { unsubscribeUrl: `${base}/unsubscribe`, preferencesUrl: `${base}/preferences`, name: `Reader ${i}` });
  bytes += m.html.length + m.text.length;
}
const produceMs = performance.now() - t;
const variants = new Set(choices.map((c) => cache.themeKey(c)).filter((k) => k !== null)).size;

if (args.sample) {
  const mix: Sample['variants'] = [];
  for (const themes of choices) {
    if (cache.themeKey(themes) === null) continue;
    const v = await cache.get(themes);
    mix.push({ themes, subject: v.subject, html: v.html, text: v.text });
  }
  writeSample(args.sample, { from: config.sender, variants: mix });
}

report({
  items: edition.items.length,
  htmlBytes: Buffer.byteLength(first.html),
  textBytes: Buffer.byteLength(first.text),
  coldMs,
  warmMs: summarize(warm).median,
  warmMinMs: summarize(warm).min,
  warmMaxMs: summarize(warm).max,
  messages,
  variants,
  produceMs,
  messagesPerSecond: messages / (produceMs / 1000),
  mbProduced: Math.round(bytes / 1e6),
});
