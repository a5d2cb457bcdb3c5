/**
 * The messages the delivery baselines send: one variant per theme choice, in
 * the order of themeChoices(), so recipient i gets choice i mod 8 on every
 * side, as Briefing's subscribers do. Written by tasks/email.ts from
 * Briefing's renderer; a plain stand-in only when the renderer is missing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import { loadEdition } from '../../src/editions/published.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { newPlaceholders, type Placeholders } from '../../src/render/variant.js';
import type { Corpus } from '../corpus.js';

export interface Sample {
  from: { name: string; address: string };
  variants: { themes: string[]; subject: string; html: string; text: string; placeholders: Placeholders }[];
}

export const writeSample = (file: string, sample: Sample) => writeFileSync(file, JSON.stringify(sample));
export const readSample = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Sample;

export async function writeFallbackSample(corpus: Corpus, file: string): Promise<void> {
  const config = loadConfig({ root: corpus.root, env: {} });
  const { edition } = await loadEdition(config, 'latest');
  const html = edition.items.map((b) => `<h2>${b.title}</h2><p>${b.summary}</p>${renderMarkdown(b.body)}`).join('\n');
  const text = edition.items.map((b) => `${b.title}\n\n${b.summary}\n\n${b.body}`).join('\n\n');
  const variant = { themes: [], subject: `${config.site.title} #${edition.number}`, html: `<!doctype html><html><body>${html}</body></html>`, text, placeholders: newPlaceholders() };
  writeSample(file, { from: config.sender, variants: [variant] });
}
