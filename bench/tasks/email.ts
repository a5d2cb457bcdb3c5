/**
 * Email, on the corpus's latest edition (30 items):
 * - MJML render time per variant: cold (the first render in a fresh process)
 *   and warm (each variant rendered again, `--warm` times);
 * - producing `--messages` personalized messages across the 8 theme choices,
 *   substitution, not re-rendering, two ways: (1) as `send` makes them:
 *   createVariantCache → compileMessage once per variant → per recipient two
 *   signed links (HMAC) and template.renderWire() (render() before it existed), a complete MIME message ready
 *   for SMTP; (2) personalize() of the render↔delivery contract (subject,
 *   HTML and text strings).
 * Also writes the variant of each of the 8 theme choices to `--sample`: the
 * delivery baselines send the same mix as Briefing's subscribers get.
 */
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { loadEdition } from '../../src/editions/published.js';
import { personalize, type EmailVariant } from '../../src/render/variant.js';
import { report, taskArgs } from '../lib/child.js';
import { optionalPart, part, type CreateVariantCache, type RenderEmailVariant } from '../lib/parts.js';
import { writeSample, type Sample } from '../lib/sample.js';
import { summarize } from '../lib/stats.js';
import { themeChoices } from '../lib/themes.js';

const args = taskArgs();
const root = path.resolve(args.root!);
const messages = Number(args.messages ?? 100_000);
const warmRounds = Number(args.warm ?? 3);

const renderEmailVariant = await part<RenderEmailVariant>('render/email', 'renderEmailVariant');
const createVariantCache = await part<CreateVariantCache>('render/variants', 'createVariantCache');
const config = loadConfig({ root, env: {} });
const { edition } = await loadEdition(config, 'latest');
const slugs = config.themes.map((t) => t.slug);
const base = config.site.base_url;

// ---- MJML render, cold and warm ----
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
const warmStats = summarize(warm);

// ---- Production (1): what `send` does per recipient (src/delivery/send.ts), on a fresh cache ----
type Parts = { to: string; messageId: string; unsubscribeUrl: string; preferencesUrl: string; name: string };
// renderWire (when present) is what send hands to SMTP: the message's slices, not joined into one Buffer.
type Template = { render(parts: Parts): Buffer; renderWire?(parts: Parts): { length: number } };
type CompileMessage = (variant: EmailVariant, info: { fromName: string; fromAddress: string; listId?: { name: string; id: string } }) => Template;
type Signer = { sign(purpose: 'unsubscribe' | 'preferences', s: { id: number; email: string; requestedAt: string | null }): string };
const compileMessage = await optionalPart<CompileMessage>('delivery/mime', 'compileMessage');
const createSigner = await optionalPart<(secret: string) => Signer>('delivery/tokens', 'createSigner');

const choices = themeChoices(slugs);
let sendPathMs: number | undefined;
let mimeBytes = 0;
if (compileMessage && createSigner) {
  const signer = createSigner('bench-secret-0123456789abcdef0123456789abcdef');
  const info = { fromName: config.sender.name, fromAddress: config.sender.address, listId: { name: config.site.title, id: new URL(base).hostname } };
  const cache = createVariantCache(config, edition);
  const templates = new Map<string, Template>();
  t = performance.now();
  for (let i = 0; i < messages; i++) {
    const themes = choices[i % choices.length]!;
    const key = cache.themeKey(themes);
    if (key === null) continue;
    let template = templates.get(key);
    if (!template) templates.set(key, (template = compileMessage(await cache.get(themes), info)));
    const who = { id: i + 1, email: `reader${i}@example.com`, requestedAt: null };
    const raw = (template.renderWire ?? template.render)({
      to: who.email,
      messageId: `bench.${i}@bench.briefing.test`,
      unsubscribeUrl: `${base}/unsubscribe/?t=${signer.sign('unsubscribe', who)}`,
      preferencesUrl: `${base}/preferences/?t=${signer.sign('preferences', who)}`,
      name: `Reader ${i}`,
    });
    mimeBytes += raw.length;
  }
  sendPathMs = performance.now() - t;
}

// ---- Production (2): personalize() on a fresh cache; its renders count ----
const cache = createVariantCache(config, edition);
let stringBytes = 0;
t = performance.now();
for (let i = 0; i < messages; i++) {
  const themes = choices[i % choices.length]!;
  if (cache.themeKey(themes) === null) continue;
  const variant = await cache.get(themes);
  const m = personalize(variant, { unsubscribeUrl: `${base}/unsubscribe/?t=${i}`, preferencesUrl: `${base}/preferences/?t=${i}`, name: `Reader ${i}` });
  stringBytes += m.html.length + m.text.length;
}
const personalizeMs = performance.now() - t;
const variants = new Set(choices.map((c) => cache.themeKey(c)).filter((k) => k !== null)).size;

if (args.sample) {
  const mix: Sample['variants'] = [];
  // All 8 choices, in order, so recipient i of every delivery side gets the same message: "every theme"
  // (the empty choice) is the variant of all the themes, as `send` gives such a subscriber.
  for (const themes of choices) {
    const v = await cache.get(themes.length > 0 ? themes : slugs);
    mix.push({ themes, subject: v.subject, html: v.html, text: v.text, placeholders: v.placeholders });
  }
  writeSample(args.sample, { from: config.sender, variants: mix });
}

report({
  items: edition.items.length,
  htmlBytes: Buffer.byteLength(first.html),
  textBytes: Buffer.byteLength(first.text),
  coldMs,
  warmMs: warmStats.median,
  warmMinMs: warmStats.min,
  warmMaxMs: warmStats.max,
  messages,
  variants,
  sendPathMs: sendPathMs ?? null,
  sendPathPerSecond: sendPathMs === undefined ? null : messages / (sendPathMs / 1000),
  meanMimeKb: sendPathMs === undefined ? null : Math.round(mimeBytes / messages / 102.4) / 10,
  personalizeMs,
  personalizePerSecond: messages / (personalizeMs / 1000),
  gbProduced: Math.round((stringBytes + mimeBytes) / 1e8) / 10,
});
