/**
 * The email as a mail client with a browser engine shows it: real headless
 * Chromium at phone and desktop widths, light and dark. Nothing may
 * disappear (axe-core colour contrast), and nothing may overflow the screen.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEmailVariant } from '../../src/render/email.js';
import { samplePersonalData } from '../../src/render/email-files.js';
import { personalize } from '../../src/render/variant.js';
import { ROOT } from '../helpers/project.js';
import { THEMES, sampleEdition } from './edition-project.js';

const AXE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

let browser: Browser;
let html: string;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const e = await sampleEdition({ note: 'A note with a [link](https://example.org/) and **bold** text.\n\n- one\n- two' });
  try {
    html = personalize(await renderEmailVariant(e.config, e.edition, [...THEMES]), samplePersonalData(e.config)).html;
  } finally {
    e.project.cleanup();
  }
});
afterAll(async () => browser?.close());

describe('the email in Chromium', () => {
  for (const colorScheme of ['light', 'dark'] as const) {
    for (const width of [375, 600]) {
      it(`keeps every text readable and within the screen (${colorScheme}, ${width}px)`, async () => {
        const page = await browser.newPage({ viewport: { width, height: 800 } });
        try {
          await page.emulateMedia({ colorScheme });
          await page.setContent(html);
          const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(scrollWidth).toBeLessThanOrEqual(width);
          await page.addScriptTag({ content: AXE });
          const violations = await page.evaluate(async () => {
            const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: string[]; failureSummary?: string }> }> }> } }).axe;
            const result = await axe.run(document, { runOnly: { type: 'rule', values: ['color-contrast', 'link-name', 'html-has-lang'] } });
            return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`);
          });
          expect(violations).toEqual([]);
          // Dark mode really is dark, and light really is light.
          const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.cd')!).backgroundColor);
          expect(bg).toBe(colorScheme === 'dark' ? 'rgb(22, 27, 34)' : 'rgb(255, 255, 255)');
        } finally {
          await page.close();
        }
      });
    }
  }
});
