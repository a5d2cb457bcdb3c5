/**
 * A ready brief goes to readers as it is. Regression: a ready brief still
 * holding `new`'s template text ("What happened, in one or two sentences.",
 * "First key point.") passed `check` and would have been mailed. Fixtures in
 * tests/fixtures/briefs/unfinished/.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBriefs } from '../../src/briefs/load.js';
import { DEFAULT_THEMES } from '../../src/config/schema.js';
import { formatProblem } from '../../src/problems.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES, ROOT } from '../helpers/project.js';

const DIR = path.join(FIXTURES, 'briefs/unfinished');
const rel = (name: string) => path.relative(ROOT, path.join(DIR, name));

async function problemsOf(name: string) {
  const { briefs, problems } = await loadBriefs([path.join(DIR, name)], DEFAULT_THEMES);
  return { briefs: briefs.map((b) => b.id), lines: problems.map((p) => formatProblem(p).replace(/^.*?unfinished\//, '')) };
}

describe('an unfinished ready brief', () => {
  it("is an error while it holds new's template text, named where it stands, and is left out", async () => {
    const { briefs, lines } = await problemsOf('template-text.md');
    expect(briefs).toEqual([]);
    expect(lines).toEqual([
      'template-text.md:6:1: warning: source has no url; readers cannot follow it to the original',
      'template-text.md:8:1: summary is still the template text ("What happened, in one or two sentences."); write it, or set status: draft',
      'template-text.md:9:1: why_it_matters is still the template text ("Why a reader should care, in one sentence."); write it, or set status: draft',
      'template-text.md:14:1: key point "First key point." is still the template text; write it, or set status: draft',
      'template-text.md:16:1: key point "Third key point." is still the template text; write it, or set status: draft',
    ]);
  });

  it('is an error while it holds a TK or TODO placeholder', async () => {
    const { briefs, lines } = await problemsOf('placeholders.md');
    expect(briefs).toEqual([]);
    expect(lines).toEqual(expect.arrayContaining([
      'placeholders.md:7:1: summary holds the placeholder TK; finish it, or set status: draft',
      'placeholders.md:13:1: the key points hold the placeholder TODO; finish them, or set status: draft',
    ]));
  });

  it('a finished brief without why_it_matters only gets a warning, and goes out', async () => {
    const { briefs, lines } = await problemsOf('finished-no-why.md');
    expect(briefs).toEqual(['finished-no-why']);
    expect(lines).toContain('finished-no-why.md:1:1: warning: why_it_matters is empty: the email and the archive show no "Why it matters" for it');
  });

  it('a draft may hold the template text: it is never published anyway', async () => {
    const { lines } = await problemsOf('draft-with-template.md');
    expect(lines.filter((l) => !l.includes('warning'))).toEqual([]);
  });

  it('briefing check exits 1 and names each place', () => {
    const result = runCli(['check', rel('template-text.md'), rel('finished-no-why.md')], { cwd: ROOT });
    expect(result.status).toBe(1);
    expect(result.stderr + result.stdout).toMatch(/template-text\.md:14:1: key point "First key point\." is still the template text/);
  });
});
