/**
 * The plain-text part: built from the same data as the HTML, every item
 * present, wrapped at 72 columns (only URLs may run longer), links numbered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderEmailVariant } from '../../src/render/email.js';
import { TEXT_WIDTH, wrap } from '../../src/render/email-text.js';
import { personalize } from '../../src/render/variant.js';
import type { TempProject } from '../helpers/project.js';
import { THEMES, manyEdition, sampleEdition } from './edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

const URL_LIKE = /https?:\/\/|BRIEFING_PH_/;
const flat = (s: string) => s.replace(/\s+/g, ' ');

function expectWrapped(text: string) {
  for (const line of text.split('\n')) {
    if (line.length > TEXT_WIDTH) expect(line, `line longer than ${TEXT_WIDTH}: ${line}`).toMatch(URL_LIKE);
  }
}

describe('emailText', () => {
  it('holds every sample item with its summary, why it matters and numbered links', async () => {
    const e = await sampleEdition({ note: 'This week: **open weights**. See [the archive](https://briefing.test/).\n\n- First thing\n- Second thing' });
    project = e.project;
    const { text, placeholders } = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expectWrapped(text);
    for (const brief of e.edition.items) {
      expect(flat(text)).toContain(flat(brief.title));
      expect(flat(text)).toContain(flat(brief.summary));
      if (brief.why_it_matters) expect(flat(text)).toContain(flat(`Why it matters: ${brief.why_it_matters}`));
      const n = new RegExp(`^\\[(\\d+)\\] https://briefing\\.test/briefs/${brief.id}/$`, 'm').exec(text)?.[1];
      expect(n, brief.id).toBeDefined();
      expect(text).toContain(`Read on the web: [${n}]`);
    }
    expect(text).toMatch(/^\[1\] https:\/\/briefing\.test\/editions\/2026-11-23\/$/m);
    expect(text).toContain('View in your browser: [1]');
    expect(text).toContain('This week: open weights. See the archive [');
    expect(text).toContain('  - First thing');
    expect(text).toContain(`Unsubscribe: ${placeholders.unsubscribeUrl}`);
    expect(text).toContain(`Manage your themes: ${placeholders.preferencesUrl}`);
    expect(text).toContain('1 Test Street, Testville');
    expect(text).not.toMatch(/<[a-z]/i);
    // Sections in theme order.
    const heads = ['AI SAFETY', 'OPEN SOURCE', 'EXPORT CONTROLS'].map((h) => text.indexOf(`\n${h}\n`));
    expect(heads.every((i) => i > 0)).toBe(true);
    expect([...heads].sort((a, b) => a - b)).toEqual(heads);
    // Personalised links may be long; they are URLs, so allowed past 72.
    const personal = personalize(
      { editionId: 'x', themes: [], subject: '', html: '', text, placeholders },
      { unsubscribeUrl: `https://briefing.test/unsubscribe?token=${'a'.repeat(80)}`, preferencesUrl: 'https://briefing.test/p', name: 'Ana' },
    );
    expectWrapped(personal.text);
    expect(personal.text).not.toMatch(/BRIEFING_PH_/);
  });

  it('holds all 200 items of an edition the HTML had to trim', async () => {
    const e = await manyEdition(200);
    project = e.project;
    const { text, placeholders } = await renderEmailVariant(e.config, e.edition, [...THEMES]);
    expectWrapped(text);
    for (const brief of e.edition.items) {
      expect(flat(text)).toContain(flat(brief.title));
      expect(text).toContain(`https://briefing.test/briefs/${brief.id}/`);
    }
  });
});

describe('wrap', () => {
  it('wraps at the width with a hanging indent and keeps an over-long word whole', () => {
    const lines = wrap('one two three four five six seven eight nine ten', '1. ', '   ', 16);
    expect(lines).toEqual(['1. one two three', '   four five six', '   seven eight', '   nine ten']);
    expect(wrap(`see ${'x'.repeat(30)} now`, '', '', 16)).toEqual(['see', 'x'.repeat(30), 'now']);
  });
});
