/**
 * Every relative link in README.md, docs/ and bench/README.md resolves to a
 * file, and every #anchor to a heading in it: the README is the front door
 * and the docs are where it sends people, so a moved section must not leave
 * a dead link behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOCS = ['README.md', 'bench/README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's anchor for a heading: lowercased, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N} -]/gu, '')
    .replace(/ /g, '-');

const withoutCode = (markdown: string) => markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Relative links and images, [text](target) and ![alt](target), outside code. */
function links(file: string): string[] {
  return [...withoutCode(readFileSync(path.join(ROOT, file), 'utf8')).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('links in the README and docs/', () => {
  it.each(DOCS)('%s: every relative link and anchor resolves', (file) => {
    const dead: string[] = [];
    for (const target of links(file)) {
      const [rel, anchor] = target.split('#') as [string, string | undefined];
      const resolved = rel ? path.resolve(path.dirname(path.join(ROOT, file)), rel) : path.join(ROOT, file);
      if (!existsSync(resolved)) dead.push(`${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) dead.push(`${target} (no such heading)`);
    }
    expect(dead).toEqual([]);
  });

  it('finds the links it checks (the README links to each file in docs/)', () => {
    const targets = links('README.md');
    for (const doc of DOCS.filter((d) => d.startsWith('docs/'))) expect(targets).toContain(doc);
  });

  it('the README stays a front door: at most 15,000 bytes', () => {
    expect(readFileSync(path.join(ROOT, 'README.md')).length).toBeLessThanOrEqual(15_000);
  });
});
