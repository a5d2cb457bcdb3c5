import { describe, expect, it } from 'vitest';
import { contrast, DARK_BACKGROUNDS, LIGHT_BACKGROUNDS, readableAccent } from '../../src/archive/colours.js';

describe('readableAccent', () => {
  it('keeps an accent that already reads well', () => {
    expect(readableAccent('#1f4fbf', 'light')).toBe('#1f4fbf');
  });

  it.each(['#b42318', '#1a7f37', '#1f4fbf', '#ffee00', '#00ffff', '#777777', '#000000', '#ffffff'])(
    'makes %s readable (4.5:1) on every background in both modes',
    (accent) => {
      for (const bg of LIGHT_BACKGROUNDS) expect(contrast(readableAccent(accent, 'light'), bg)).toBeGreaterThanOrEqual(4.5);
      for (const bg of DARK_BACKGROUNDS) expect(contrast(readableAccent(accent, 'dark'), bg)).toBeGreaterThanOrEqual(4.5);
    },
  );

  it('lightens a dark accent for dark mode', () => {
    const dark = readableAccent('#1f4fbf', 'dark');
    expect(dark).not.toBe('#1f4fbf');
    expect(contrast(dark, '#ffffff')).toBeLessThan(contrast('#1f4fbf', '#ffffff'));
  });
});
