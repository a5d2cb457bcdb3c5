/**
 * Shared by the archive tests: a temp project with the sample briefs, the
 * archive fixtures and (optionally) bulk briefs and an edition, built with
 * the real buildArchive; plus parsing and a loopback static server.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseHTML } from 'linkedom';
import { buildArchive, type BuildResult } from '../../src/archive/build.js';
import type { Config } from '../../src/config/schema.js';
import { writeEdition } from '../../src/editions/store.js';
import type { Logger } from '../../src/log.js';
import { briefText, FIXTURES, ROOT, tempProject, type TempProject } from '../helpers/project.js';

export const ARCHIVE_FIXTURES = path.join(FIXTURES, 'archive');
export const SAMPLE_BRIEFS = readdirSync(path.join(ROOT, 'briefs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => path.join(ROOT, 'briefs', f));
export const FIXTURE_BRIEFS = readdirSync(ARCHIVE_FIXTURES).map((f) => path.join(ARCHIVE_FIXTURES, f));

export interface BuiltSite {
  project: TempProject;
  config: Config;
  outDir: string;
  result: BuildResult;
  logged: string[];
}

export function recordingLogger(lines: string[]): Logger {
  return { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** `bulk` extra export-controls briefs spread over 2025, enough to paginate. */
export function writeBulkBriefs(project: TempProject, bulk: number): void {
  for (let i = 1; i <= bulk; i++) {
    const month = String(1 + (i % 12)).padStart(2, '0');
    const day = String(1 + (i % 28)).padStart(2, '0');
    project.writeBrief(
      `bulk-${String(i).padStart(3, '0')}.md`,
      briefText({
        title: `Bulk brief number ${i}`,
        date: `2025-${month}-${day}`,
        themes: ['export-controls'],
        source: { name: 'Bulk Wire', url: `https://example.org/bulk/${i}` },
        entities: [`Entity ${i % 7}`],
      }),
    );
  }
}

export async function buildSite(options: { bulk?: number; edition?: boolean; search?: boolean; searchShardSize?: number } = {}): Promise<BuiltSite> {
  const project = tempProject({ briefs: [...SAMPLE_BRIEFS, ...FIXTURE_BRIEFS] });
  if (options.bulk) writeBulkBriefs(project, options.bulk);
  if (options.edition) {
    await writeEdition(project.editionsDir, {
      number: 1,
      date: '2026-11-23',
      briefs: ['multi-theme', 'template-syntax', 'hostile-markup', ...SAMPLE_BRIEFS.map((f) => path.basename(f, '.md'))],
      note: 'An editor’s note with **bold** text.',
    });
  }
  const config = project.config();
  const outDir = path.join(project.root, 'dist');
  const logged: string[] = [];
  const result = await buildArchive(config, { outDir, log: recordingLogger(logged), search: options.search ?? false, searchShardSize: options.searchShardSize });
  return { project, config, outDir, result, logged };
}

/** The search index's bundle URLs, as the search page reads them from /pagefind/shards.json. */
export function searchBundles(outDir: string): string[] {
  return (JSON.parse(readFileSync(path.join(outDir, 'pagefind/shards.json'), 'utf8')) as { bundles: string[] }).bundles;
}

/** Every bundle has the script the search page imports and its index. */
export function hasSearchIndex(outDir: string): boolean {
  const bundles = searchBundles(outDir);
  return bundles.length > 0 && bundles.every((b) => existsSync(path.join(outDir, b, 'pagefind.js')) && filesUnder(path.join(outDir, b)).some((f) => f.endsWith('.pf_meta')));
}

/** The file a site path is served from: directories mean their index.html. */
export function fileFor(outDir: string, sitePath: string): string {
  const clean = decodeURIComponent(sitePath.split('#')[0]!.split('?')[0]!);
  const file = path.join(outDir, clean);
  return clean.endsWith('/') || (existsSync(file) && statSync(file).isDirectory()) ? path.join(file, 'index.html') : file;
}

export function page(outDir: string, sitePath: string): Document {
  return parseHTML(readFileSync(fileFor(outDir, sitePath), 'utf8')).document as unknown as Document;
}

/** Every file under dir, relative, with forward slashes. */
export function filesUnder(dir: string, ext?: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!ext || entry.name.endsWith(ext)) out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.xml': 'application/atom+xml; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** A tiny static server for dist/ on 127.0.0.1 and a free port. */
export async function serveDir(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = fileFor(dir, new URL(req.url ?? '/', 'http://localhost').pathname);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
