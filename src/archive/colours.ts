/**
 * Theme accents as configured may be too light for text on the light page or
 * too dark on the dark one. These pick the nearest shade that keeps WCAG AA
 * contrast (4.5:1), so any configured colour stays readable in both modes.
 */
export const PAGE_LIGHT = '#fbf9f4';
export const SURFACE_LIGHT = '#ffffff';
export const PAGE_DARK = '#15171b';
export const SURFACE_DARK = '#1c1f25';
/** The backgrounds accent text sits on, per mode (site.css uses the same values). */
export const LIGHT_BACKGROUNDS = [PAGE_LIGHT, SURFACE_LIGHT];
export const DARK_BACKGROUNDS = [PAGE_DARK, SURFACE_DARK];

type Rgb = [number, number, number];

function parse(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function format(rgb: Rgb): string {
  return '#' + rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');
}

function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: string, b: string): number {
  const la = luminance(parse(a));
  const lb = luminance(parse(b));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function mix(from: Rgb, to: Rgb, t: number): Rgb {
  return [0, 1, 2].map((i) => from[i]! + (to[i]! - from[i]!) * t) as Rgb;
}

/**
 * The accent shifted towards black (light mode) or white (dark mode) until it
 * reads at `min` contrast on every one of the mode's backgrounds.
 */
export function readableAccent(accent: string, mode: 'light' | 'dark', min = 4.5): string {
  const backgrounds = mode === 'dark' ? DARK_BACKGROUNDS : LIGHT_BACKGROUNDS;
  const towards: Rgb = mode === 'dark' ? [255, 255, 255] : [0, 0, 0];
  const base = parse(accent);
  for (let t = 0; t <= 1; t += 0.02) {
    const candidate = format(mix(base, towards, t));
    if (backgrounds.every((bg) => contrast(candidate, bg) >= min)) return candidate;
  }
  return format(towards);
}
