/**
 * A synthetic corpus from a fixed seed: N briefs of about 250 words over the
 * configured themes, an edition of 30 items for every 100 briefs, in a temp
 * project with its own briefing.config.yml. The same briefs are also written
 * as plain Markdown pages for the bare-Eleventy baseline, so both sides read
 * the same words.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_THEMES } from '../src/config/schema.js';
import { writeEdition } from '../src/editions/store.js';
import { mulberry32, type Rng } from './lib/rng.js';

export const SEED = 20261123;
export const BRIEFS_PER_EDITION = 100;
export const ITEMS_PER_EDITION = 30;
const THEMES = DEFAULT_THEMES.map((t) => t.slug);

export const BENCH_CONFIG = {
  // on-date: the corpus is dated in 2024–2025, so every brief is public, as in the bare Eleventy site it is compared with.
  site: { title: 'Bench Briefing', base_url: 'https://bench.briefing.test', description: 'A synthetic briefing for benchmarks.', publish: 'on-date' },
  // The corpus's source links are made up: never fetch them.
  preflight: { check_links: false },
  sender: { name: 'Bench Briefing', address: 'briefing@bench.briefing.test' },
  postal_address: '1 Bench Street, Benchville',
  schedule: { cron: '0 7 * * 1', timezone: 'UTC' },
};

export interface BriefData {
  id: string;
  title: string;
  date: string;
  themes: string[];
  source: { name: string; url: string };
  summary: string;
  why_it_matters: string;
  entities: string[];
  status: 'ready';
  /** Markdown key points, 3–5 bullets. */
  body: string;
}

export interface Corpus {
  root: string;
  briefsDir: string;
  editionsDir: string;
  dataDir: string;
  /** Input folder of the bare-Eleventy baseline (has its own eleventy.config.mjs). */
  eleventyDir: string;
  briefs: number;
  editions: number;
  /** Mean words per brief (title, summary, why it matters, key points). */
  meanWords: number;
}

const ENTITIES = [
  'DeepSeek', 'Qwen', 'Alibaba', 'Baidu', 'Tencent', 'Huawei', 'SMIC', 'TSMC', 'NVIDIA', 'AMD', 'Intel', 'ASML',
  'OpenAI', 'Anthropic', 'Google DeepMind', 'Meta', 'Mistral', 'Moonshot AI', 'Zhipu AI', 'MiniMax', 'BAAI',
  'US Commerce Department', 'Bureau of Industry and Security', 'European Commission', 'UK AI Security Institute',
  'Cyberspace Administration of China', 'Samsung', 'SK Hynix', 'Micron', 'Microsoft', 'Amazon', 'xAI',
];
const SOURCES = [
  ['Reuters', 'reuters.example.com'], ['Financial Times', 'ft.example.com'], ['Nikkei Asia', 'asia.nikkei.example.com'],
  ['South China Morning Post', 'scmp.example.com'], ['The Information', 'theinformation.example.com'],
  ['Caixin', 'caixinglobal.example.com'], ['Bloomberg', 'bloomberg.example.com'], ['Wired', 'wired.example.com'],
  ['MIT Technology Review', 'technologyreview.example.com'], ['SemiAnalysis', 'semianalysis.example.com'],
] as const;
const NOUNS = [
  'model', 'chip', 'cluster', 'export rule', 'benchmark', 'license', 'data centre', 'supply chain', 'evaluation',
  'red team', 'policy', 'startup', 'lab', 'accelerator', 'foundry', 'release', 'weights', 'dataset', 'regulator',
  'treaty', 'compute budget', 'inference cost', 'training run', 'safety case', 'audit', 'memory module', 'wafer',
];
const ADJECTIVES = [
  'open-weight', 'frontier', 'restricted', 'domestic', 'advanced', 'smaller', 'cheaper', 'faster', 'new', 'stricter',
  'leaked', 'public', 'national', 'independent', 'global', 'experimental', 'reasoning', 'multilingual', 'secure',
];
const VERBS = [
  'released', 'tightened', 'questioned', 'expanded', 'delayed', 'matched', 'overtook', 'tested', 'published',
  'restricted', 'licensed', 'challenged', 'funded', 'evaluated', 'announced', 'withdrew', 'doubled', 'audited',
];
const CONNECTIVES = [
  'while analysts expect', 'after regulators warned that', 'even though critics argue', 'because investors believe',
  'as officials confirmed', 'although engineers say', 'so that customers see', 'before lawmakers decide whether',
];
const TAILS = [
  'the gap between the two countries keeps narrowing', 'costs will fall again next quarter', 'the rules leave loopholes',
  'smaller labs cannot keep up', 'open weights spread faster than controls', 'the figures need independent checks',
  'demand for compute still outruns supply', 'safety testing lags behind deployment', 'prices for older chips will rise',
];

function sentence(rng: Rng, entities: readonly string[]): string {
  const who = rng.pick(entities);
  const adjective = rng.pick(ADJECTIVES);
  return (
    `${who} ${rng.pick(VERBS)} ${/^[aeiou]/.test(adjective) ? 'an' : 'a'} ${adjective} ${rng.pick(NOUNS)} for ${rng.pick(ADJECTIVES)} ` +
    `${plural(rng.pick(NOUNS))}, ${rng.pick(CONNECTIVES)} ${rng.pick(TAILS)}.`
  );
}

const plural = (noun: string) => (noun.endsWith('y') ? noun.slice(0, -1) + 'ies' : noun + 's');

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const addDays = (start: string, days: number) => new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const START = '2024-01-01';

/** The i-th brief of the corpus (0-based); each brief has its own stream, so one can be made without the others. */
export function makeBrief(i: number, seed = SEED, date?: string): BriefData {
  const rng = mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  const entities = rng.sample(ENTITIES, rng.int(2, 4));
  const primary = THEMES[i % THEMES.length]!;
  const themes = rng.next() < 0.4 ? [primary, rng.pick(THEMES.filter((t) => t !== primary))] : [primary];
  const titleWords = `${entities[0]} ${rng.pick(VERBS)} ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} as ${rng.pick(NOUNS)} ${rng.pick(['debate', 'race', 'rules', 'costs'])} ${rng.pick(['grows', 'shifts', 'heats up', 'stalls'])}`;
  const title = titleWords.charAt(0).toUpperCase() + titleWords.slice(1);
  let summary = sentence(rng, entities);
  if (summary.length > 300) summary = summary.slice(0, summary.lastIndexOf(' ', 296)) + '…';
  const why = `${sentence(rng, entities)} ${sentence(rng, entities)}`;
  const points = Array.from({ length: rng.int(3, 5) }, () => `- ${sentence(rng, entities)} ${sentence(rng, entities)}${rng.next() < 0.5 ? ` ${sentence(rng, entities)}` : ''}`);
  const [sourceName, domain] = rng.pick(SOURCES);
  const briefDate = date ?? addDays(START, Math.floor(i / BRIEFS_PER_EDITION) * 7 + (i % 7));
  const id = `b${String(i).padStart(5, '0')}-${slugify(title.split(' ').slice(0, 5).join(' '))}`;
  return {
    id,
    title,
    date: briefDate,
    themes,
    source: { name: sourceName, url: `https://${domain}/${briefDate.slice(0, 4)}/${id}` },
    summary,
    why_it_matters: why,
    entities,
    status: 'ready',
    body: points.join('\n') + '\n',
  };
}

/** The brief file as a writer would save it. */
export function briefFile(b: BriefData): string {
  const { id: _id, body, ...frontmatter } = b;
  const yaml = stringify(frontmatter, { lineWidth: 0 }).replace(/^date: "(.*)"$/m, 'date: $1');
  return `---\n${yaml}---\n\n${body}`;
}

/** The same brief as a plain Markdown page for bare Eleventy: same words, one layout. */
function eleventyPage(b: BriefData): string {
  const yaml = stringify({ title: b.title, date: b.date, tags: b.themes }, { lineWidth: 0 }).replace(/^date: "(.*)"$/m, 'date: $1');
  return (
    `---\n${yaml}---\n\n${b.summary}\n\n**Why it matters:** ${b.why_it_matters}\n\n${b.body}\n` +
    `Source: [${b.source.name}](${b.source.url}) · ${b.entities.join(', ')}\n`
  );
}

const ELEVENTY_LAYOUT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1><p><time>{{ page.date.toISOString().slice(0, 10) }}</time></p>{{ content | safe }}</main></body>
</html>
`;

// Markdown is not run through a template engine first: the baseline does the least work Eleventy can.
const ELEVENTY_CONFIG = `export default function (eleventyConfig) {
  eleventyConfig.setQuietMode(true);
}
export const config = {
  templateFormats: ['md'],
  markdownTemplateEngine: false,
};
`;

export function wordsOf(b: BriefData): number {
  return [b.title, b.summary, b.why_it_matters, b.body].join(' ').split(/\s+/).filter((w) => /\w/.test(w)).length;
}

/** Writes the corpus into `root` (which should be empty or missing). */
export async function generateCorpus(options: { root: string; briefs: number; seed?: number }): Promise<Corpus> {
  const { root, briefs: count, seed = SEED } = options;
  const briefsDir = path.join(root, 'briefs');
  const editionsDir = path.join(root, 'editions');
  const dataDir = path.join(root, 'data');
  const eleventyDir = path.join(root, 'eleventy');
  const pagesDir = path.join(eleventyDir, 'src', 'briefs');
  for (const dir of [briefsDir, dataDir, pagesDir, path.join(eleventyDir, 'src', '_includes')]) mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(root, 'briefing.config.yml'), stringify(BENCH_CONFIG));
  // Like the project itself: an ESM package, which Eleventy's watcher needs to read .eleventy.js.
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ private: true, type: 'module' }, null, 2) + '\n');
  writeFileSync(path.join(eleventyDir, 'eleventy.config.mjs'), ELEVENTY_CONFIG);
  writeFileSync(path.join(eleventyDir, 'src', '_includes', 'brief.njk'), ELEVENTY_LAYOUT);
  writeFileSync(path.join(pagesDir, 'briefs.json'), JSON.stringify({ layout: 'brief.njk' }));

  let words = 0;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const b = makeBrief(i, seed);
    words += wordsOf(b);
    ids.push(b.id);
    writeFileSync(path.join(briefsDir, `${b.id}.md`), briefFile(b));
    writeFileSync(path.join(pagesDir, `${b.id}.md`), eleventyPage(b));
  }

  const rng = mulberry32(seed);
  const editions = Math.floor(count / BRIEFS_PER_EDITION);
  for (let k = 0; k < editions; k++) {
    const batch = ids.slice(k * BRIEFS_PER_EDITION, (k + 1) * BRIEFS_PER_EDITION);
    const picked = rng.sample(batch, ITEMS_PER_EDITION);
    await writeEdition(editionsDir, { number: k + 1, date: addDays(START, k * 7 + 7), briefs: picked, note: '' });
  }
  return { root, briefsDir, editionsDir, dataDir, eleventyDir, briefs: count, editions, meanWords: count ? Math.round(words / count) : 0 };
}
