/**
 * Writes <outDir>/editions/<id>/email.html and email.txt during `briefing build`:
 * the all-themes variant of each edition, with the personal links replaced by
 * obvious placeholder URLs (this copy is public; nobody's token belongs in it).
 * The archive build calls it before the atomic swap.
 *
 * Rendering MJML costs ~20 ms per edition, and old editions rarely change, so
 * each edition's output is cached by a hash of everything that goes into it:
 * the edition with its briefs, the config, the email templates and the
 * renderer's own code and package versions. A hit copies the cached bytes,
 * which are exactly what a fresh render writes.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { cacheDir as projectCacheDir, commitEntry, filesUnder, fingerprint, pruneCache } from '../cache.js';
import type { Config } from '../config/schema.js';
import type { Published, ResolvedEdition } from '../editions/published.js';
import { BriefingError, type ErrorCode, type Position } from '../errors.js';
import { debug } from '../log.js';
import { SOURCE_DIR } from '../paths.js';
import { absolute, paths } from '../urls.js';
import type { EmailVariant } from './variant.js';
import { templatePaths } from './nunjucks.js';
import { personalize, type PersonalData } from './variant.js';

const log = debug('email-files');

/** Stand-ins for one reader's data, for public copies and previews. */
export function samplePersonalData(config: Config): PersonalData {
  return {
    unsubscribeUrl: absolute(config.site.base_url, paths.unsubscribe('your-personal-link')),
    preferencesUrl: absolute(config.site.base_url, paths.preferences('your-personal-link')),
    name: 'reader',
  };
}

/** Where rendered edition emails are kept between builds (like Eleventy's own .cache). */
export function emailCacheDir(config: Config): string {
  return projectCacheDir(config, 'edition-emails');
}

export interface EmailFilesOptions {
  /** Cache folder; `false` renders every edition. Default: emailCacheDir(config). */
  cacheDir?: string | false;
  /**
   * Render in a worker thread, on the other core, while the caller goes on
   * (the archive build then renders during Eleventy), once at least this many
   * editions need rendering. A worker loads its modules and MJML anew (about
   * half a second of CPU), so it pays only for many editions. Default: never.
   */
  workerFrom?: number;
}

/** From how many editions to render `briefing build` uses a worker thread (see EmailFilesOptions.workerFrom). */
export const EMAIL_WORKER_FROM = 40;

export interface EmailFilesResult {
  rendered: number;
  cached: number;
}

/** One edition to render into `dir`, stored in the cache under `key` when there is a cache. */
export interface EmailJob {
  edition: ResolvedEdition;
  dir: string;
  key: string;
}

/**
 * A build's edition emails: planning copies the cached ones into place at
 * once; `render` renders the rest (call it once). The archive build plans
 * before Eleventy and chooses when to render (see `inWorker`).
 */
export interface EditionEmails {
  /** Whether `render` renders in a worker thread (see EmailFilesOptions.workerFrom). */
  readonly inWorker: boolean;
  render(): Promise<EmailFilesResult>;
}

export function planEditionEmails(published: Pick<Published, 'config' | 'editions'>, outDir: string, options: EmailFilesOptions = {}): EditionEmails {
  const { config } = published;
  const cacheDir = options.cacheDir === undefined ? emailCacheDir(config) : options.cacheDir;
  const common = cacheDir ? commonFingerprint(config) : '';
  const used = new Set<string>();
  const jobs: EmailJob[] = [];
  let cached = 0;
  for (const edition of published.editions) {
    // An edition whose briefs are all missing has nothing to show; loadPublished already reported it.
    if (edition.sections.length === 0) continue;
    const dir = path.join(outDir, 'editions', edition.id);
    mkdirSync(dir, { recursive: true });
    const key = cacheDir ? editionKey(common, edition) : '';
    if (cacheDir) {
      used.add(key);
      if (copyCached(cacheDir, key, dir)) {
        cached++;
        continue;
      }
    }
    jobs.push({ edition, dir, key });
  }
  const inWorker = jobs.length > 0 && jobs.length >= (options.workerFrom ?? Infinity);
  return {
    inWorker,
    async render() {
      // MJML loads only when something must be rendered: a warm build never pays for it, nor for a worker.
      if (jobs.length > 0) await (inWorker ? renderInWorker : renderEditionEmails)(config, jobs, cacheDir);
      if (cacheDir) pruneCache(cacheDir, used);
      log('%d rendered, %d from cache', jobs.length, cached);
      return { rendered: jobs.length, cached };
    },
  };
}

/** Plans and renders at once (see planEditionEmails). */
export async function writeEditionEmails(
  published: Pick<Published, 'config' | 'editions'>,
  outDir: string,
  options: EmailFilesOptions = {},
): Promise<EmailFilesResult> {
  return planEditionEmails(published, outDir, options).render();
}

/** Renders and writes each job's edition (and its cache entry): in a worker thread (email-worker.ts) or the caller's. */
export async function renderEditionEmails(config: Config, jobs: readonly EmailJob[], cacheDir: string | false): Promise<void> {
  const { renderEmailVariant } = await import('./email.js');
  const all = config.themes.map((t) => t.slug);
  for (const { edition, dir, key } of jobs) {
    const variant: EmailVariant = await renderEmailVariant(config, edition, all, undefined, { webCopy: true });
    const personal = personalize(variant, samplePersonalData(config));
    writeFileSync(path.join(dir, 'email.html'), personal.html);
    writeFileSync(path.join(dir, 'email.txt'), personal.text);
    if (cacheDir) await store(cacheDir, key, personal);
    log('wrote %s', dir);
  }
}

/** What a worker reports: nothing, or its error with what BriefingError carries (a thread boundary drops the class). */
export type EmailWorkerReport =
  | { ok: true }
  | { ok: false; error: { message: string; stack?: string; code?: ErrorCode; file?: string; position?: Position; cause?: string } };

function renderInWorker(config: Config, jobs: readonly EmailJob[], cacheDir: string | false): Promise<void> {
  return new Promise((resolve, reject) => {
    let report: EmailWorkerReport | undefined;
    // The .mjs entry runs the compiled worker (lib/), or from src/ registers tsx first: a worker thread starts without its parent's TypeScript loader.
    const worker = new Worker(new URL('./email-worker.mjs', import.meta.url), { workerData: { config, jobs, cacheDir } });
    worker.on('message', (message: EmailWorkerReport) => (report = message));
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (report?.ok) return resolve();
      const e = report?.error;
      if (!e) return reject(new BriefingError('BUILD_FAILED', `edition emails: the worker stopped (exit code ${code})`));
      const cause = e.cause === undefined ? undefined : new Error(e.cause);
      const error = new BriefingError(e.code ?? 'BUILD_FAILED', e.message, { file: e.file, position: e.position, cause });
      if (e.stack) error.stack = e.stack;
      reject(error);
    });
  });
}

const CACHE_FILES = ['email.html', 'email.txt'] as const;

function copyCached(cacheDir: string, key: string, dir: string): boolean {
  try {
    for (const name of CACHE_FILES) copyFileSync(path.join(cacheDir, key, name), path.join(dir, name));
    return true;
  } catch {
    return false;
  }
}

async function store(cacheDir: string, key: string, personal: { html: string; text: string }): Promise<void> {
  try {
    await commitEntry(cacheDir, key, (tmp) => {
      writeFileSync(path.join(tmp, 'email.html'), personal.html);
      writeFileSync(path.join(tmp, 'email.txt'), personal.text);
    });
  } catch (error) {
    // A cache that cannot be written only costs the next build time.
    log('cache write failed: %s', (error as Error).message);
  }
}

function editionKey(common: string, edition: ResolvedEdition): string {
  return createHash('sha256').update(common).update('\0').update(JSON.stringify(edition)).digest('hex').slice(0, 32);
}

const RENDER_DIR = path.join(SOURCE_DIR, 'render');
/** Source files whose code shapes the email, besides src/render itself. */
const RENDER_DEPS = ['../urls.ts', '../briefs/schema.ts', '../editions/published.ts'];
const RENDER_PACKAGES = ['mjml', 'mjml-core', 'nunjucks', 'markdown-it', 'html-to-text'];

/** The email templates' paths and contents. */
function templatesFingerprint(config: Config): string {
  return fingerprint({ files: templateFiles(config), packages: [] });
}

/** Everything but the edition: config (without secrets), templates, renderer code and package versions. */
export function commonFingerprint(config: Config, templates = templatesFingerprint(config)): string {
  const { secrets: _secrets, ...rest } = config;
  return fingerprint({ files: codeFiles(), packages: RENDER_PACKAGES, settings: { config: rest, templates } });
}

function templateFiles(config: Config): string[] {
  return templatePaths(config.templatesDir, 'email').flatMap((dir) => filesUnder(dir));
}

function codeFiles(): string[] {
  return [...filesUnder(RENDER_DIR).filter((f) => /\.[cm]?[jt]s$/.test(f)), ...RENDER_DEPS.map((f) => path.resolve(RENDER_DIR, f))];
}
