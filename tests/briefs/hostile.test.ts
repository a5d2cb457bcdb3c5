/**
 * Hostile and broken briefs: each fixture in tests/fixtures/briefs/hostile is
 * a case a writer (or an attacker) can produce. Each gives one clear,
 * positioned error, or is read as a writer would expect, and no code runs.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBriefs } from '../../src/briefs/load.js';
import { DEFAULT_THEMES, themeSchema } from '../../src/config/schema.js';
import { formatProblem } from '../../src/problems.js';
import { FIXTURES } from '../helpers/project.js';

const themes = DEFAULT_THEMES.map((t) => themeSchema.parse(t));
const fixture = (name: string) => path.join(FIXTURES, 'briefs/hostile', name);

async function load(name: string) {
  const result = await loadBriefs([fixture(name)], themes);
  return { ...result, lines: result.problems.map(formatProblem), errors: result.problems.filter((p) => p.severity === 'error') };
}

declare global {
  // Set by the hostile fixtures' code if it ever runs.
  var __briefingPwned: string | undefined;
}

afterEach(() => {
  delete globalThis.__briefingPwned;
});

describe('frontmatter that asks for a JavaScript engine', () => {
  it.each(['js-engine.md', 'javascript-engine.md', 'uppercase-js-engine.md'])('%s is an error and runs no code', async (name) => {
    const { briefs, errors } = await load(name);
    expect(briefs).toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 1, col: 4, code: 'frontmatter-language' });
    expect(errors[0]!.message).toMatch(/not allowed; use YAML/);
    expect(globalThis.__briefingPwned).toBeUndefined();
  });
});

describe('gray-matter cache', () => {
  it('fails the same invalid brief every time in one process', async () => {
    for (let i = 0; i < 3; i++) {
      const { briefs, errors } = await load('duplicate-keys.md');
      expect(briefs).toHaveLength(0);
      expect(errors.map((e) => e.message)).toEqual(['duplicate key: each key may appear only once']);
    }
  });
});

describe('broken files give one clear, positioned error', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['no-closing-delimiter.md', 1, 1, /frontmatter is not closed/],
    ['empty.md', 1, 1, /empty file/],
    ['invalid-utf8.md', 2, 11, /invalid UTF-8/],
    ['tab-indent.md', 5, 1, /tabs are not allowed/],
    ['duplicate-keys.md', 12, 1, /duplicate key/],
    ['impossible-date.md', 3, 1, /2026-02-30 is not a real calendar date/],
    ['multiline-title.md', 2, 1, /title must be a single line/],
    ['alias-bomb.md', 1, 4, /too many YAML aliases/],
    ['five-megabytes.md', 1, 1, /file is [\d.]+ MB; the limit is 256 kB/],
  ];
  it.each(cases)('%s → line %i col %i', async (name, line, col, message) => {
    const { briefs, errors } = await load(name);
    expect(briefs).toHaveLength(0);
    expect(errors[0]).toMatchObject({ line, col });
    expect(errors[0]!.message).toMatch(message);
  });
});

describe('files a writer expects to just work', () => {
  it.each(['bom.md', 'crlf.md'])('%s loads like any other brief', async (name) => {
    const { briefs, errors } = await load(name);
    expect(errors).toEqual([]);
    expect(briefs[0]).toMatchObject({ title: 'A valid brief', date: '2026-11-20', themes: ['open-source', 'safety'] });
    expect(briefs[0]!.body).not.toMatch(/\r/);
  });

  it('keeps a body that starts with a Markdown rule as part of the body', async () => {
    const { briefs, errors } = await load('body-starts-with-rule.md');
    expect(errors).toEqual([]);
    expect(briefs[0]!.title).toBe('A valid brief');
    expect(briefs[0]!.body.trimStart()).toMatch(/^---\n/);
    expect(briefs[0]!.body).toMatch(/starts with a Markdown rule/);
  });
});

describe('no prototype pollution', () => {
  it.each([
    ['proto-key.md', "unknown key '__proto__'", 12],
    ['merge-key.md', "unknown key '<<'", 14],
  ])('%s is refused and pollutes nothing', async (name, message, line) => {
    const { briefs, errors } = await load(name);
    expect(briefs).toHaveLength(0);
    expect(errors.find((e) => e.message.startsWith(message))).toMatchObject({ line, col: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('typos get suggestions', () => {
  it('suggests the nearest key and theme', async () => {
    const { lines } = await load('typos.md');
    const file = path.relative(process.cwd(), fixture('typos.md'));
    expect(lines).toContain(`${file}:2:1: unknown key 'tittle'; did you mean 'title'?`);
    expect(lines).toContain(`${file}:4:10: unknown theme 'opensource'; did you mean 'open-source'?`);
  });
});
