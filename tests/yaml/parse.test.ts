/**
 * parseYaml has a fast path (js-yaml, no positions) and a full one (yaml,
 * positioned, alias-capped). They must agree on every brief, and the fast
 * path must still give the full parser's positions when asked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/yaml/parse.js';
import { FIXTURES, ROOT } from '../helpers/project.js';

const frontmatterOf = (file: string) => {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  return text.slice(4, text.indexOf('\n---', 3) + 1);
};
const files = [
  ...readdirSync(path.join(ROOT, 'briefs')).map((f) => path.join(ROOT, 'briefs', f)),
  ...readdirSync(path.join(FIXTURES, 'briefs/hostile'))
    .filter((f) => !/five-megabytes|invalid-utf8|empty|no-closing|engine/.test(f))
    .map((f) => path.join(FIXTURES, 'briefs/hostile', f)),
];

describe('parseYaml', () => {
  it.each(files.map((f) => [path.relative(ROOT, f), f]))('reads %s exactly as the full parser does', (_name, file) => {
    const text = frontmatterOf(file);
    // A trailing comment changes nothing, and its '&' forces the full parser.
    const fast = parseYaml(text);
    const full = parseYaml(`${text}\n# &full\n`);
    expect(fast.problems).toEqual(full.problems);
    expect(fast.data).toEqual(full.data);
    for (const key of ['title', 'themes', 'source', 'summary', 'status']) {
      expect(fast.positionOf([key]), key).toEqual(full.positionOf([key]));
    }
  });

  it('leaves anchors, tags, merge keys and __proto__ to the full parser', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(parseYaml(bomb).problems[0]?.message).toMatch(/too many YAML aliases/);
    expect(parseYaml('a: 1\n__proto__: {polluted: 1}').data).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses custom and non-core YAML tags at their position (they used to be dropped, the text kept)', () => {
    expect(parseYaml('title: !!js/function "function () { return 1 }"\n', { line: 2, col: 1 }).problems).toEqual([
      { message: 'YAML tag !!js/function is not allowed: write the value as plain text (a brief holds text, dates, lists and mappings only)', position: { line: 2, col: 8 } },
    ]);
    expect(parseYaml('date: 2026-11-20\ntitle: !foo bar\nthemes: [a,!!binary aGk=]\n').problems.map((p) => [p.message.split(' is ')[0], p.position])).toEqual([
      ['YAML tag !foo', { line: 2, col: 8 }],
      ['YAML tag !!binary', { line: 3, col: 12 }],
    ]);
    // The core schema's own are fine, and an exclamation mark in text is no tag.
    expect(parseYaml('title: "Wow!"\ncount: !!int 3\n')).toMatchObject({ problems: [], data: { title: 'Wow!', count: 3 } });
  });

  it('reports duplicate keys with their position, whichever path reads them', () => {
    expect(parseYaml('title: a\ndate: 2026-11-20\ntitle: b\n', { line: 1, col: 4 }).problems).toEqual([
      { message: 'duplicate key: each key may appear only once', position: { line: 3, col: 1 } },
    ]);
  });
});
