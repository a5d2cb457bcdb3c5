/**
 * `npm run bench`: Briefing against bare Eleventy, naive nodemailer and the
 * SMTP sink's own limit, side by side in one run. Each comparison is
 * interleaved (A, B, C, then B, C, A, …) and reported as the median of at
 * least three runs with min–max; ratios are the figures that count on a noisy
 * machine. Prints one table and writes the same figures as JSON.
 *
 *   npm run bench                    full run (1,000 and 10,000 briefs; 20,000 and 100,000 recipients)
 *   npm run bench -- --quick         small corpus, under a minute
 *   options: --out FILE (default bench/results.json), --runs N (default 3),
 *            --only archive,dev,email,send,load,serve   --keep (keep the temp folder)
 *            --recipients N --grown N --naive N (delivery sizes)
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { briefFile, generateCorpus, makeBrief, SEED, type Corpus } from './corpus.js';
import { BENCH_DIR, NotBuiltError, runTask, TaskError, type TaskResult } from './lib/child.js';
import { startSink, type Sink } from './lib/sink.js';
import { round, summarize, type Summary } from './lib/stats.js';
import { formatTable, type Row } from './report.js';
import { writeFallbackSample } from './lib/sample.js';
import { themeChoices } from './lib/themes.js';
import { DEFAULT_THEMES } from '../src/config/schema.js';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // Size overrides, for trying the harness itself: --recipients, --grown, --naive.
    recipients: { type: 'string' },
    grown: { type: 'string' },
    naive: { type: 'string' },
  },
});

const quick = opts.quick!;
const RUNS = Math.max(3, Number(opts.runs ?? 3));
const SECTIONS = ['archive', 'dev', 'email', 'send', 'load', 'serve'] as const;
type Section = (typeof SECTIONS)[number];
const only = new Set((opts.only?.split(',') ?? SECTIONS).map((s) => s.trim()) as Section[]);
const outFile = path.resolve(opts.out ?? path.join(BENCH_DIR, 'results.json'));

const PLAN = quick
  ? { archiveSizes: [200], devSize: 200, loadSize: 200, messages: 10_000, warmRounds: 1, recipients: 2_000, naiveRecipients: 300, grownRecipients: 0, importRows: 5_000, idleSeconds: 2 }
  : { archiveSizes: [1_000, 10_000], devSize: 10_000, loadSize: 10_000, messages: 100_000, warmRounds: 3, recipients: 20_000, naiveRecipients: 3_000, grownRecipients: 100_000, importRows: 100_000, idleSeconds: 10 };
if (opts.recipients) PLAN.recipients = Number(opts.recipients);
if (opts.grown) PLAN.grownRecipients = Number(opts.grown);
if (opts.naive) PLAN.naiveRecipients = Number(opts.naive);
const POOL = 5; // the default delivery.pool_size; every client uses the same number of connections

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const work = mkdtempSync(path.join(os.tmpdir(), 'briefing-bench-'));
/**
 * The archive tasks move the output they replace, and a fresh clone's .cache, in here: it is deleted with
 * `work`, after the last measurement (see moveAside in lib/files.ts).
 */
const trash = path.join(work, 'trash');
const raw: Record<string, unknown> = {};
const rows: Row[] = [];
const notes: string[] = [];
let failures = 0;

/** Outcome of one measurement: results per run, or why there are none. */
type Outcome<T> = { ok: true; runs: T[] } | { ok: false; reason: string; notBuilt: boolean };

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; reason: string; notBuilt: boolean }> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof NotBuiltError) {
      log(`${what}: not built yet (${error.message})`);
      return { ok: false, reason: error.message, notBuilt: true };
    }
    failures++;
    log(`${what} FAILED: ${(error as Error).message}${error instanceof TaskError ? `\n${error.output}` : ''}`);
    return { ok: false, reason: (error as Error).message, notBuilt: false };
  }
}

/**
 * Runs the sides of one comparison interleaved: run i starts with side i mod n,
 * so no side always goes first (or last) on a machine whose speed drifts.
 */
async function interleaved<K extends string>(
  what: string,
  sides: Record<K, () => Promise<TaskResult>>,
  runs = RUNS,
): Promise<Record<K, Outcome<TaskResult>>> {
  const keys = Object.keys(sides) as K[];
  const results = Object.fromEntries(keys.map((k) => [k, [] as TaskResult[]])) as Record<K, TaskResult[]>;
  const broken = new Map<K, { reason: string; notBuilt: boolean }>();
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < keys.length; j++) {
      const key = keys[(r + j) % keys.length]!;
      if (broken.has(key)) continue;
      log(`${what}: ${key} (run ${r + 1}/${runs})`);
      const got = await attempt(`${what}: ${key}`, sides[key]);
      if (got.ok) results[key].push(got.value);
      else broken.set(key, got);
    }
  }
  return Object.fromEntries(
    keys.map((k) => {
      const b = broken.get(k);
      return [k, b ? { ok: false, ...b } : { ok: true, runs: results[k] }];
    }),
  ) as Record<K, Outcome<TaskResult>>;
}

const stat = (o: Outcome<TaskResult>, pick: (r: TaskResult) => number): Summary | undefined => (o.ok ? summarize(o.runs.map(pick)) : undefined);
const why = (...outcomes: Outcome<TaskResult>[]): string | undefined => {
  const bad = outcomes.find((o): o is Extract<Outcome<TaskResult>, { ok: false }> => !o.ok);
  return bad ? (bad.notBuilt ? 'n/a (not built yet)' : 'failed (see log)') : undefined;
};
const seconds = (r: TaskResult) => (r.ms as number) / 1000;
const peakMb = (o: Outcome<TaskResult>) => (o.ok ? Math.max(...o.runs.map((r) => r.treeRssMb)) : undefined);

// ---------------------------------------------------------------------------

const corpora = new Map<number, Corpus>();
async function corpus(size: number): Promise<Corpus> {
  let c = corpora.get(size);
  if (!c) {
    log(`generating ${size.toLocaleString('en')} briefs (seed ${SEED})`);
    c = await generateCorpus({ root: path.join(work, `corpus-${size}`), briefs: size });
    corpora.set(size, c);
  }
  return c;
}
/** The smaller corpus serves the email and delivery rows: their edition has 30 items either way. */
const mailCorpus = () => corpus(PLAN.archiveSizes[0]!);

/** A new brief, newer than every other, in the corpus at `root`: what a writer adds between two weekly builds. */
function addNewestBrief(root: string, index: number): void {
  const b = makeBrief(index, SEED);
  writeFileSync(path.join(root, 'briefs', `${b.id}.md`), briefFile(b));
}

const ARCHIVE_SIDES = [
  ['pages', 'pages only, fresh clone (no .cache)', '≤ 1.0×', 1.0, 'archive_pages_vs_eleventy'],
  ['search', 'with search index, fresh clone (no .cache)', '≤ 1.3×', 1.3, 'archive_with_search_vs_eleventy'],
  ['rebuildPages', 'pages only, weekly rebuild (.cache kept, 1 new brief)', '≤ 1.0×', 1.0, 'archive_pages_rebuild_vs_eleventy'],
  ['rebuildSearch', 'with search index, weekly rebuild (.cache kept, 1 new brief)', '≤ 1.3×', 1.3, 'archive_with_search_rebuild_vs_eleventy'],
] as const;

async function benchArchive() {
  for (const size of PLAN.archiveSizes) {
    const c = await corpus(size);
    const out = (name: string) => path.join(work, 'out', `${name}-${size}`);
    // The weekly rebuild works on its own copy, built once beforehand (untimed) so its .cache is last week's.
    const weekly = path.join(work, `weekly-${size}`);
    cpSync(c.root, weekly, { recursive: true, filter: (src) => src !== c.eleventyDir });
    await attempt(`archive ${size}: weekly project's first build`, () => runTask('archive', { root: weekly, out: out('weekly'), search: true, trash }));
    let added = size;
    const rebuild = (search: boolean) => () => {
      addNewestBrief(weekly, added++);
      return runTask('archive', { root: weekly, out: out('weekly'), search, trash });
    };
    const o = await interleaved(`archive ${size}`, {
      eleventy: () => runTask('eleventy', { dir: c.eleventyDir, out: out('eleventy'), trash }),
      pages: () => runTask('archive', { root: c.root, out: out('pages'), search: false, cold: true, trash }),
      search: () => runTask('archive', { root: c.root, out: out('search'), search: true, cold: true, trash }),
      rebuildPages: rebuild(false),
      rebuildSearch: rebuild(true),
    });
    raw[`archive_${size}`] = o;
    const base = stat(o.eleventy, seconds);
    for (const [side, label, target, limit, key] of ARCHIVE_SIDES) {
      const mine = stat(o[side], seconds);
      const ratio = mine && base ? mine.median / base.median : undefined;
      rows.push({
        measurement: `archive build, ${size.toLocaleString('en')} briefs, ${label}`,
        briefing: mine ? { summary: mine, unit: 's' } : { text: why(o[side]) ?? 'n/a' },
        baseline: base ? { summary: base, unit: 's', label: 'bare Eleventy' } : { text: why(o.eleventy) ?? 'n/a' },
        ratio,
        target,
        pass: ratio === undefined ? undefined : ratio <= limit,
      });
      if (size === PLAN.archiveSizes.at(-1)) raw[key] = ratio ?? null;
    }
    const peak = Math.max(...ARCHIVE_SIDES.map(([side]) => peakMb(o[side]) ?? 0));
    rows.push({
      measurement: `archive build peak memory, ${size.toLocaleString('en')} briefs`,
      briefing: peak ? { value: peak, unit: 'MB' } : { text: why(...ARCHIVE_SIDES.map(([side]) => o[side])) ?? 'n/a' },
      baseline: peakMb(o.eleventy) ? { value: peakMb(o.eleventy)!, unit: 'MB', label: 'bare Eleventy' } : { text: 'n/a' },
      target: size >= 10_000 ? '< 1,024 MB' : '',
      pass: peak && size >= 10_000 ? peak < 1024 : undefined,
    });
  }
}

async function benchDev() {
  const c = await corpus(PLAN.devSize);
  const o = await attempt('dev rebuild', () => runTask('dev', { root: c.root, runs: RUNS }, { timeoutMs: 900_000 }));
  raw.dev_rebuild = o.ok ? o.value : { error: o.reason };
  const s = o.ok ? summarize(o.value.pageMs as number[]).median : undefined;
  const summary = o.ok ? summarize((o.value.pageMs as number[]).map((ms) => ms / 1000)) : undefined;
  rows.push({
    measurement: `rebuild after adding 1 brief to ${PLAN.devSize.toLocaleString('en')} (npm run dev)`,
    briefing: summary ? { summary, unit: 's' } : { text: o.ok ? 'n/a' : o.notBuilt ? 'n/a (not built yet)' : 'failed (see log)' },
    baseline: { text: '' },
    target: '< 2 s',
    pass: s === undefined ? undefined : s < 2000,
  });
  if (o.ok) {
    const v = o.value;
    notes.push(
      `npm run dev: first build ${(Number(v.firstBuildMs) / 1000).toFixed(1)} s; full rebuild (search index included) ` +
        `${(summarize(v.rebuildMs as number[]).median / 1000).toFixed(2)} s; dev server peak memory ${Math.round(v.treeRssMb)} MB.`,
    );
    if (Number(v.missedWrites) > 0) notes.push(`npm run dev: the watcher missed ${v.missedWrites} new brief(s); written again and timed from then.`);
  }
}

async function benchEmail(sample: string) {
  const c = await mailCorpus();
  const o = await interleaved('email', {
    email: () => runTask('email', { root: c.root, messages: PLAN.messages, warm: PLAN.warmRounds, sample }),
  });
  raw.email = o.email;
  const na = why(o.email);
  const first = o.email.ok ? o.email.runs[0] : undefined;
  rows.push({
    measurement: `MJML render per variant, cold (edition of ${first?.items ?? 30} items)`,
    briefing: na ? { text: na } : { summary: stat(o.email, (r) => r.coldMs as number)!, unit: 'ms' },
    baseline: { text: '' },
    target: '',
  });
  rows.push({
    measurement: 'MJML render per variant, warm',
    briefing: na ? { text: na } : { summary: stat(o.email, (r) => r.warmMs as number)!, unit: 'ms' },
    baseline: { text: '' },
    target: '',
  });
  const sendPath = o.email.ok && o.email.runs.every((r) => typeof r.sendPathPerSecond === 'number');
  const rate = stat(o.email, (r) => (sendPath ? (r.sendPathPerSecond as number) : (r.personalizePerSecond as number)));
  const n = PLAN.messages.toLocaleString('en');
  rows.push({
    measurement: sendPath
      ? `personalized messages produced, ${n} over 8 theme choices (MIME + signed links, as send does)`
      : `personalized messages produced, ${n} over 8 theme choices (personalize)`,
    briefing: rate ? { summary: rate, unit: 'msg/s' } : { text: na ?? 'n/a' },
    baseline: { text: '' },
    target: '≥ 20,000 msg/s',
    pass: rate ? rate.median >= 20_000 : undefined,
  });
  if (sendPath) {
    rows.push({
      measurement: `personalize() of the variant strings, ${n} messages`,
      briefing: { summary: stat(o.email, (r) => r.personalizePerSecond as number)!, unit: 'msg/s' },
      baseline: { text: '' },
      target: '',
    });
  }
}

/** Subscriber databases by size, imported once: a second import of the same list adds nobody (--grown equal to --recipients did). */
const subscriberData = new Map<number, Promise<string | undefined>>();
function prepareSubscribers(c: Corpus, count: number): Promise<string | undefined> {
  let prepared = subscriberData.get(count);
  if (!prepared) {
    const dir = path.join(work, `subscribers-${count}`);
    prepared = attempt(`subscribers ${count}`, () => runTask('subscribers', { root: c.root, data: dir, count })).then((o) => (o.ok ? dir : undefined));
    subscriberData.set(count, prepared);
  }
  return prepared;
}

async function benchSend(sink: Sink, sample: string) {
  const c = await mailCorpus();
  if (!existsSync(sample)) {
    await writeFallbackSample(c, sample);
    notes.push('The email renderer was not available: the delivery baselines sent a stand-in message built from the edition without MJML.');
  }
  const template = await prepareSubscribers(c, PLAN.recipients);
  /** A fresh copy of the subscriber database per run: `send` resumes, so a used log would send nothing. */
  const withFreshData = async (from: string, fn: (dir: string) => Promise<TaskResult>) => {
    const dir = path.join(work, 'data-run');
    rmSync(dir, { recursive: true, force: true });
    cpSync(from, dir, { recursive: true });
    try {
      return await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const checked = async (expected: number, fn: () => Promise<TaskResult>) => {
    sink.reset();
    const r = await fn();
    if (sink.messages !== expected) throw new Error(`the sink accepted ${sink.messages} of ${expected} messages`);
    r.sinkMessages = sink.messages;
    r.sinkKbPerMessage = Math.round(sink.bytes / sink.messages / 102.4) / 10;
    return r;
  };
  const notBuiltSend = async (): Promise<TaskResult> => {
    throw new NotBuiltError('subscriber store or import not built');
  };
  const o = await interleaved(`send ${PLAN.recipients}`, {
    briefing: template
      ? () => checked(PLAN.recipients, () => withFreshData(template, (data) => runTask('send', { root: c.root, data, smtp: sink.url })))
      : notBuiltSend,
    naive: () => checked(PLAN.naiveRecipients, () => runTask('naive', { sample, count: PLAN.naiveRecipients, port: sink.port, pool: POOL })),
    sink: () => checked(PLAN.recipients, () => runTask('capacity', { sample, count: PLAN.recipients, port: sink.port, pool: POOL })),
  });
  raw.send = o;
  const size = (x: Outcome<TaskResult>) => (x.ok && x.runs[0] ? `${x.runs[0].sinkKbPerMessage} KB` : 'n/a');
  notes.push(`Mean message size at the sink: Briefing ${size(o.briefing)}, naive nodemailer ${size(o.naive)}, capacity ${size(o.sink)}.`);
  const rate = (o: Outcome<TaskResult>, count: number) => stat(o, (r) => count / seconds(r));
  const mine = rate(o.briefing, PLAN.recipients);
  const naive = rate(o.naive, PLAN.naiveRecipients);
  const cap = rate(o.sink, PLAN.recipients);
  const vsSink = mine && cap ? mine.median / cap.median : undefined;
  const vsNaive = mine && naive ? mine.median / naive.median : undefined;
  raw.send_vs_sink = vsSink ?? null;
  raw.send_vs_naive_nodemailer = vsNaive ?? null;
  const n = PLAN.recipients.toLocaleString('en');
  rows.push({
    measurement: `send ${n} recipients vs the sink's capacity`,
    briefing: mine ? { summary: mine, unit: 'msg/s' } : { text: why(o.briefing) ?? 'n/a' },
    baseline: cap ? { summary: cap, unit: 'msg/s', label: 'sink capacity' } : { text: why(o.sink) ?? 'n/a' },
    ratio: vsSink,
    target: '≥ 0.8×',
    pass: vsSink === undefined ? undefined : vsSink >= 0.8,
  });
  rows.push({
    measurement: `send ${n} recipients vs naive nodemailer (${PLAN.naiveRecipients.toLocaleString('en')} sent)`,
    briefing: mine ? { summary: mine, unit: 'msg/s' } : { text: why(o.briefing) ?? 'n/a' },
    baseline: naive ? { summary: naive, unit: 'msg/s', label: 'naive nodemailer' } : { text: why(o.naive) ?? 'n/a' },
    ratio: vsNaive,
    target: '≥ 5×',
    pass: vsNaive === undefined ? undefined : vsNaive >= 5,
  });
  const rss = peakMb(o.briefing);
  rows.push({
    measurement: `send peak memory, ${n} recipients`,
    briefing: rss ? { value: rss, unit: 'MB' } : { text: why(o.briefing) ?? 'n/a' },
    baseline: peakMb(o.naive) ? { value: peakMb(o.naive)!, unit: 'MB', label: 'naive nodemailer' } : { text: '' },
    target: '< 200 MB',
    pass: rss ? rss < 200 : undefined,
  });

  if (PLAN.grownRecipients && rss) {
    const grown = await prepareSubscribers(c, PLAN.grownRecipients);
    const g = grown
      ? await attempt(`send ${PLAN.grownRecipients}`, () =>
          checked(PLAN.grownRecipients, () =>
            withFreshData(grown, (data) => runTask('send', { root: c.root, data, smtp: sink.url }, { timeoutMs: 900_000 })),
          ),
        )
      : undefined;
    raw.send_grown = g?.ok ? g.value : { error: g?.reason ?? 'subscribers not prepared' };
    const grownRss = g?.ok ? g.value.treeRssMb : undefined;
    const growth = grownRss ? grownRss / rss : undefined;
    rows.push({
      measurement: `send peak memory, ${PLAN.grownRecipients.toLocaleString('en')} recipients (1 run)`,
      briefing: grownRss ? { value: grownRss, unit: 'MB' } : { text: 'failed (see log)' },
      baseline: { value: rss, unit: 'MB', label: `${n} recipients` },
      ratio: growth,
      target: '< 200 MB, ≤ 1.2×',
      pass: grownRss && growth ? grownRss < 200 && growth <= 1.2 : undefined,
    });
    if (g?.ok) notes.push(`send of ${PLAN.grownRecipients.toLocaleString('en')}: ${Math.round(PLAN.grownRecipients / seconds(g.value))} msg/s`);
  }
}

async function benchLoad() {
  const c = await corpus(PLAN.loadSize);
  const o = await interleaved(`load ${PLAN.loadSize}`, { load: () => runTask('load', { root: c.root }) });
  raw.load = o.load;
  const s = stat(o.load, seconds);
  rows.push({
    measurement: `load and check ${PLAN.loadSize.toLocaleString('en')} briefs`,
    briefing: s ? { summary: s, unit: 's' } : { text: why(o.load) ?? 'n/a' },
    baseline: { text: '' },
    target: '< 2 s',
    pass: s ? s.median < 2 : undefined,
  });
}

/**
 * Static pages while `subscribers import` holds SQLite's write lock in turns:
 * autocannon against `briefing serve`, idle and during the import, interleaved.
 */
async function benchServe() {
  const c = await mailCorpus();
  const dist = path.join(work, 'serve-dist');
  const built = await attempt('serve: build the archive', () => runTask('archive', { root: c.root, out: dist, search: true, trash }));
  if (!built.ok) return;
  const choices = themeChoices(DEFAULT_THEMES.map((t) => t.slug)); // the corpus's themes
  const csv = path.join(work, 'import.csv');
  const lines = ['email,name,themes'];
  for (let i = 0; i < PLAN.importRows; i++) lines.push(`reader${i}@example.com,Reader ${i},${choices[i % choices.length]!.join(';')}`);
  writeFileSync(csv, lines.join('\n') + '\n');
  let n = 0;
  // A fresh data folder each run: every import adds all its rows.
  const side = (load: 'idle' | 'import') => () => runTask('serve', { root: c.root, dist, data: path.join(work, `serve-data-${n++}`), load, csv, seconds: PLAN.idleSeconds });
  const o = await interleaved('serve', { import: side('import'), idle: side('idle') });
  raw.serve = o;
  const mine = stat(o.import, (r) => r.p99Ms as number);
  const idle = stat(o.idle, (r) => r.p99Ms as number);
  rows.push({
    measurement: `static pages p99 while importing ${PLAN.importRows.toLocaleString('en')} subscribers (autocannon, 10 connections)`,
    briefing: mine ? { summary: mine, unit: 'ms' } : { text: why(o.import) ?? 'n/a' },
    baseline: idle ? { summary: idle, unit: 'ms', label: 'no import' } : { text: why(o.idle) ?? 'n/a' },
    ratio: mine && idle ? mine.median / idle.median : undefined,
    // Every run under the limit, not only the median: a reader meets the worst one.
    target: '< 100 ms',
    pass: mine ? mine.max < 100 : undefined,
  });
  if (o.import.ok && o.idle.ok) {
    const rate = (runs: TaskResult[]) => Math.round(summarize(runs.map((r) => (r.requests as number) / seconds(r))).median);
    const importS = summarize(o.import.runs.map((r) => (r.importMs as number) / 1000)).median;
    notes.push(
      `serve: ${rate(o.import.runs).toLocaleString('en')} req/s during the import (${importS.toFixed(1)} s for ${PLAN.importRows.toLocaleString('en')} rows), ` +
        `${rate(o.idle.runs).toLocaleString('en')} req/s idle; max latency ${Math.max(...o.import.runs.map((r) => r.maxMs as number))} ms during the import.`,
    );
  }
}

// ---------------------------------------------------------------------------

const started = Date.now();
const sectionSeconds: Partial<Record<Section, number>> = {};
log(`${quick ? 'quick' : 'full'} run, ${RUNS} runs per side, work folder ${work}`);
let sink: Sink | undefined;
try {
  // The sample message (the all-themes variant of the mail corpus's latest edition) feeds the delivery baselines.
  const sample = path.join(work, 'sample.json');
  const section = async (name: Section, fn: () => Promise<void>) => {
    if (!only.has(name)) return;
    const t = Date.now();
    await fn();
    sectionSeconds[name] = Math.round((Date.now() - t) / 1000);
    log(`${name}: ${sectionSeconds[name]} s`);
  };
  await section('archive', benchArchive);
  if (only.has('send') && !only.has('email')) only.add('email'); // the delivery baselines send the email's variant
  await section('email', () => benchEmail(sample));
  await section('send', async () => {
    sink = await startSink();
    await benchSend(sink, sample);
  });
  await section('load', benchLoad);
  await section('serve', benchServe);
  // Last: it adds briefs to the corpus while it runs.
  await section('dev', benchDev);
} finally {
  await sink?.close();
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
}

const cpus = os.cpus();
/** A headline ratio (null when it could not be measured), to three decimals. */
const headline = (key: string): number | null => {
  const x = raw[key];
  return typeof x === 'number' ? round(x, 3) : null;
};
const results = {
  generated: new Date().toISOString(),
  mode: quick ? 'quick' : 'full',
  runs: RUNS,
  seconds: Math.round((Date.now() - started) / 1000),
  sectionSeconds,
  machine: {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
  },
  plan: { ...PLAN, pool: POOL, seed: SEED },
  archive_pages_vs_eleventy: headline('archive_pages_vs_eleventy'),
  archive_with_search_vs_eleventy: headline('archive_with_search_vs_eleventy'),
  archive_pages_rebuild_vs_eleventy: headline('archive_pages_rebuild_vs_eleventy'),
  archive_with_search_rebuild_vs_eleventy: headline('archive_with_search_rebuild_vs_eleventy'),
  send_vs_sink: headline('send_vs_sink'),
  send_vs_naive_nodemailer: headline('send_vs_naive_nodemailer'),
  rows,
  notes,
  raw,
};
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');

process.stdout.write('\n' + formatTable(rows) + '\n');
process.stdout.write(
  `\n${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGb} GB, ${results.machine.os}, Node ${results.machine.node}; ` +
    `median of ${RUNS} runs (min–max); ${results.seconds} s in all.\n`,
);
for (const note of notes) process.stdout.write(`${note}\n`);
process.stdout.write(`Results: ${path.relative(process.cwd(), outFile) || outFile}\n`);
// A part that crashed is a failure; a part not built yet only shows as n/a.
process.exitCode = failures > 0 ? 1 : 0;
