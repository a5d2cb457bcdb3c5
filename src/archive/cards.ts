/**
 * Share images: the picture a link preview shows (og:image, 1200×630 PNG),
 * one for the site, one per theme (brief pages use their primary theme's)
 * and one per edition, with the headline in the theme colours; plus the PNG
 * icons for browsers and home screens that take no SVG. Laid out by satori
 * (JSX-like trees to SVG, with text wrapping) and rasterised by resvg.
 *
 * A card costs ~60 ms, so each is kept in .cache/briefing/cards/ under a hash
 * of everything that makes it, and a weekly build renders only the new
 * edition's. Per brief would be ~10 minutes for a fresh clone of 10,000.
 *
 * The font is Source Serif 4 (Latin) from @fontsource, not a system font,
 * so every machine draws the same card. Letters it lacks (CJK) are left out
 * by satori rather than failing the build.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commitEntry, fingerprint, pruneCache } from '../cache.js';
import { debug } from '../log.js';
import { paths } from '../urls.js';

const log = debug('archive:cards');

export interface CardSpec {
  /** File name without .png: site, theme-<slug>, edition-<id>. */
  name: string;
  site: string;
  kicker: string;
  title: string;
  /** Theme colours, drawn as a band along the top. */
  accents: string[];
}

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;
const INK = '#1c1e22';
const PAPER = '#fbf9f4';
const MUTED = '#575b63';

const require = createRequire(import.meta.url);
const fontFile = (weight: number) => require.resolve(`@fontsource/source-serif-4/files/source-serif-4-latin-${weight}-normal.woff`);

type Node = { type: string; props: { style?: Record<string, unknown>; children?: Node | string | Array<Node | string> } };
const el = (type: string, style: Record<string, unknown>, children?: Node | string | Array<Node | string>): Node => ({ type, props: { style, children } });

function cardTree(spec: CardSpec): Node {
  const accents = spec.accents.length ? spec.accents : [MUTED];
  const size = spec.title.length > 90 ? 52 : spec.title.length > 50 ? 62 : 76;
  return el('div', { display: 'flex', flexDirection: 'column', width: '100%', height: '100%', background: PAPER, color: INK, fontFamily: 'Serif' }, [
    el('div', { display: 'flex', width: '100%', height: 18 }, accents.map((a) => el('div', { flex: 1, background: a }))),
    el('div', { display: 'flex', flexDirection: 'column', flex: 1, padding: '56px 72px 48px' }, [
      el('div', { fontSize: 30, letterSpacing: 2, textTransform: 'uppercase', color: MUTED, marginBottom: 24 }, spec.kicker || ' '),
      el('div', { display: 'flex', flex: 1, fontSize: size, fontWeight: 700, lineHeight: 1.15 }, spec.title),
      el('div', { display: 'flex', alignItems: 'center', fontSize: 32, fontWeight: 700 }, [
        el('div', { display: 'flex', alignItems: 'center', justifyContent: 'center', width: 56, height: 56, borderRadius: 10, background: INK, color: PAPER, marginRight: 20, fontSize: 38 }, 'B'),
        spec.site,
      ]),
    ]),
  ]);
}

function iconTree(): Node {
  return el('div', { display: 'flex', alignItems: 'center', justifyContent: 'center', width: '100%', height: '100%', background: INK, color: PAPER, fontFamily: 'Serif', fontWeight: 700, fontSize: '68%', borderRadius: '18%' }, 'B');
}

interface Job {
  file: string;
  tree: () => Node;
  width: number;
  height: number;
  key: string;
}

/**
 * Writes every card and the icons into `siteDir` (cards from the cache where it has them). `cacheDir`
 * false renders all of them.
 */
export async function writeCards(specs: readonly CardSpec[], siteDir: string, cacheDir: string | false): Promise<{ rendered: number; cached: number }> {
  const here = fileURLToPath(import.meta.url);
  const version = fingerprint({ files: [here, fontFile(400), fontFile(700)], packages: ['satori', '@resvg/resvg-js', '@fontsource/source-serif-4'] }).slice(0, 16);
  const key = (what: unknown) => fingerprint({ files: [], packages: [], settings: [version, what] }).slice(0, 24);
  const jobs: Job[] = [
    ...specs.map((spec) => ({ file: paths.card(spec.name), tree: () => cardTree(spec), width: CARD_WIDTH, height: CARD_HEIGHT, key: key(spec) })),
    { file: paths.faviconPng(), tree: iconTree, width: 32, height: 32, key: key('icon-32') },
    { file: paths.appleTouchIcon(), tree: iconTree, width: 180, height: 180, key: key('icon-180') },
  ];
  await mkdir(path.join(siteDir, 'cards'), { recursive: true });
  const used = new Set<string>();
  let render: ((job: Job) => Promise<Uint8Array>) | undefined;
  let rendered = 0;
  for (const job of jobs) {
    const target = path.join(siteDir, job.file);
    used.add(job.key);
    if (cacheDir) {
      try {
        await copyFile(path.join(cacheDir, job.key, 'image.png'), target);
        continue;
      } catch {
        // Not cached yet.
      }
    }
    render ??= await renderer();
    const png = await render(job);
    await writeFile(target, png);
    rendered++;
    if (cacheDir) await commitEntry(cacheDir, job.key, (tmp) => writeFile(path.join(tmp, 'image.png'), png));
  }
  if (cacheDir) pruneCache(cacheDir, used);
  log('%d cards rendered, %d from cache', rendered, jobs.length - rendered);
  return { rendered, cached: jobs.length - rendered };
}

/** satori and resvg load only when a card must be drawn: a warm build never pays for them. */
async function renderer(): Promise<(job: Job) => Promise<Uint8Array>> {
  const [{ default: satori }, { Resvg }] = await Promise.all([import('satori'), import('@resvg/resvg-js')]);
  const fonts = [400, 700].map((weight) => ({ name: 'Serif', data: readFileSync(fontFile(weight)), weight: weight as 400 | 700, style: 'normal' as const }));
  return async (job) => {
    const svg = await satori(job.tree() as Parameters<typeof satori>[0], { width: job.width, height: job.height, fonts });
    return new Resvg(svg, { fitTo: { mode: 'width', value: job.width } }).render().asPng();
  };
}
