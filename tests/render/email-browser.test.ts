/**
 * The email as a mail client with a browser engine shows it: real headless
 * Chromium at phone and desktop widths, light and dark. Nothing may
 * disappear (axe-core colour contrast), and nothing may overflow the screen.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEmailVariant } from '../../src/render/email.js';
import { samplePersonalData } from '../../src/render/email-files.js';
import { personalize } from '../../src/render/variant.js';
import { axeViolations, launchChromium } from '../helpers/browser.js';
import { THEMES, sampleEdition } from './edition-project.js';

let browser: Browser;
let html: string;

beforeAll(async () => {
  browser = await launchChromium();
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
          const violations = (await axeViolations(page, ['color-contrast', 'link-name', 'html-has-lang'])).map(
            (v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`).join(' | ')}`,
          );
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

  it('in dark mode the frame around the card is dark too, on a screen wider than the card', async () => {
    // Regression: the card turned dark between light grey bars, MJML's wrapper keeping its inline colour.
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    try {
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.setContent(html);
      const frame = await page.evaluate(() => {
        const outside = document.elementFromPoint(20, 400)!;
        return getComputedStyle(outside).backgroundColor;
      });
      expect(frame).toBe('rgb(13, 17, 23)');
    } finally {
      await page.close();
    }
  });
});
