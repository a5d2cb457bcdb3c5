import path from 'node:path';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../../src/urls.js';
import { buildSite, fileFor, filesUnder, hasSearchIndex, page, type BuiltSite } from './site.js';

let site: BuiltSite;

beforeAll(async () => {
  site = await buildSite({ bulk: 60, edition: true, search: true });
});
afterAll(() => site?.project.cleanup());

/** Routes the subscription server answers; they are not files in dist. */
const SERVER_ROUTES = [paths.subscribe(), '/confirm', '/preferences', '/unsubscribe'];

/** Every internal link in dir's HTML that does not resolve; and what was checked. */
function linkCheck(outDir: string, base: string): { broken: string[]; checked: Set<string>; files: number } {
  const broken: string[] = [];
  const checked = new Set<string>();
  const idsCache = new Map<string, Set<string>>();
  const idsOf = (file: string) => {
    let ids = idsCache.get(file);
    if (!ids) idsCache.set(file, (ids = new Set(Array.from(page(outDir, file).querySelectorAll('[id]')).map((el) => el.id))));
    return ids;
  };
  const files = filesUnder(outDir, '.html');
  for (const file of files) {
    const doc = page(outDir, file);
    const here = '/' + file.replace(/index\.html$/, '');
    for (const el of Array.from(doc.querySelectorAll('[href], [src], form[action]'))) {
      const raw = el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action')!;
      let target: URL;
      try {
        target = new URL(raw, base + here);
      } catch {
        broken.push(`${file}: unparsable ${raw}`);
        continue;
      }
      // Internal means our own origin, whether written site-relative or absolute (as in emails and feeds).
      if (target.origin !== new URL(base).origin) continue;
      if (SERVER_ROUTES.includes(target.pathname)) continue;
      const key = target.pathname + target.hash;
      if (checked.has(key)) continue;
      checked.add(key);
      const targetFile = fileFor(outDir, target.pathname);
      if (!existsSync(targetFile)) {
        broken.push(`${file}: ${raw} → no ${path.relative(outDir, targetFile)}`);
        continue;
      }
      if (target.hash && targetFile.endsWith('.html')) {
        const id = decodeURIComponent(target.hash.slice(1));
        if (!idsOf(path.relative(outDir, targetFile)).has(id)) broken.push(`${file}: ${raw} → no #${id}`);
      }
    }
  }
  return { broken, checked, files: files.length };
}

describe('built site links', () => {
  it('has no broken internal links: every href and src resolves to a file, every #fragment to an id', () => {
    const { broken, checked, files } = linkCheck(site.outDir, site.config.site.base_url);
    expect(files).toBeGreaterThan(70);
    expect(broken).toEqual([]);
    // The check really walked the site: themes, pagination, briefs, editions and theme anchors.
    expect(checked).toContain('/themes/export-controls/page/2/');
    expect(checked).toContain('/editions/2026-11-23/');
    expect([...checked].some((k) => k.startsWith('/editions/2026-11-23/#theme-'))).toBe(true);
    expect(checked).toContain('/briefs/multi-theme/');
    expect([...checked].some((k) => /^\/assets\/site\.[0-9a-f]{10}\.css$/.test(k))).toBe(true);
    expect(checked).toContain('/entities/');
  });

  it('reports a missing page and a missing anchor', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-links-'));
    try {
      writeFileSync(
        path.join(dir, 'index.html'),
        '<!doctype html><p id="here"><a href="/missing/">x</a> <a href="/#nope">y</a> <a href="#here">z</a> <a href="https://elsewhere.example/">w</a></p>',
      );
      expect(linkCheck(dir, 'https://briefing.test').broken).toEqual(['index.html: /missing/ → no missing/index.html', 'index.html: /#nope → no #nope']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the Pagefind bundles the search page loads', () => {
    expect(hasSearchIndex(site.outDir)).toBe(true);
  });
});
