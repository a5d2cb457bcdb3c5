/**
 * `briefing new --from-url`: what an article's page says about itself, from
 * its own metadata only: Open Graph and article:* meta tags, JSON-LD
 * (schema.org Article and its kinds), `<link rel=canonical>`, `<title>` and
 * `<html lang>`. Parsed with htmlparser2, never with regexes over HTML. A
 * field the page does not give is left out, never guessed.
 *
 * open-graph-scraper-lite 2.1.0 (Node 16+) was tried on tests/fixtures/pages:
 * it takes the last of repeated og: tags (the head's come first), finds
 * nothing in a JSON-LD @graph, and rejects a page with one broken JSON-LD
 * block outright; its fallbacks guess a title from headings. So the page is
 * read here, with the parser Briefing already uses for its email guard.
 */
import { Parser } from 'htmlparser2';
import { InputError } from '../errors.js';

export interface PageFacts {
  title?: string;
  siteName?: string;
  /** The page's canonical URL (og:url or rel=canonical), else the one fetched. */
  url: string;
  /** YYYY-MM-DD, as the page dates itself (in its own time zone). */
  published?: string;
  author?: string;
  /** A language tag such as "zh-CN". */
  language?: string;
}

/** Pages are read up to this size: metadata lives in the head. */
const MAX_PAGE_BYTES = 2 * 1024 * 1024;

export async function fetchPageFacts(url: string, options: { timeoutMs: number; userAgent: string }): Promise<PageFacts> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { 'user-agent': options.userAgent, accept: 'text/html,application/xhtml+xml' } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${Math.round(options.timeoutMs / 1000)} s` : (cause?.code ?? (error as Error).message);
    throw new InputError('BRIEF_INVALID', `--from-url: could not fetch ${url} (${why}); nothing was written`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new InputError('BRIEF_INVALID', `--from-url: ${url} answered ${response.status}; nothing was written`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (!/^(text\/html|application\/xhtml\+xml)/i.test(type)) {
    await response.body?.cancel().catch(() => undefined);
    throw new InputError('BRIEF_INVALID', `--from-url: ${url} is not an HTML page (${type || 'no content type'}); nothing was written`);
  }
  const html = await readCapped(response, MAX_PAGE_BYTES);
  return pageFacts(html, response.url || url);
}

async function readCapped(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= max) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, max));
}

/** The facts of one page's HTML; `pageUrl` resolves relative canonical links. */
export function pageFacts(html: string, pageUrl: string): PageFacts {
  const meta = new Map<string, string>();
  const jsonLd: string[] = [];
  let lang: string | undefined;
  let canonical: string | undefined;
  let title = '';
  let inTitle = false;
  let inJsonLd = false;
  let script = '';
  const parser = new Parser(
    {
      onopentag(name, a) {
        if (name === 'html' && a.lang) lang ??= a.lang;
        else if (name === 'meta') {
          const key = (a.property ?? a.name ?? a.itemprop ?? '').toLowerCase();
          // The first of each wins: pages repeat tags, and the head's come first.
          if (key && a.content !== undefined && !meta.has(key)) meta.set(key, a.content);
        } else if (name === 'link' && /(^|\s)canonical(\s|$)/i.test(a.rel ?? '') && a.href) canonical ??= a.href;
        else if (name === 'title') inTitle = true;
        else if (name === 'script' && /^application\/ld\+json/i.test(a.type ?? '')) inJsonLd = true;
      },
      ontext(text) {
        if (inTitle) title += text;
        if (inJsonLd) script += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (name === 'script' && inJsonLd) {
          jsonLd.push(script);
          script = '';
          inJsonLd = false;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);

  const article = jsonLd.flatMap(parseJsonLd).find((node) => /Article|Posting|Report/.test(typeOf(node)));
  const facts: PageFacts = { url: absoluteHttp(meta.get('og:url'), pageUrl) ?? absoluteHttp(canonical, pageUrl) ?? pageUrl };
  const put = <K extends keyof PageFacts>(key: K, value: PageFacts[K] | undefined) => {
    if (value !== undefined && value !== '') facts[key] = value;
  };
  put('title', clean(meta.get('og:title') ?? text(article?.headline) ?? meta.get('twitter:title') ?? title));
  put('siteName', clean(meta.get('og:site_name') ?? text(nameOf(article?.publisher)) ?? meta.get('application-name')));
  put('published', dateOf(meta.get('article:published_time') ?? text(article?.datePublished) ?? meta.get('datepublished') ?? meta.get('date')));
  put('author', clean(text(nameOf(firstOf(article?.author))) ?? meta.get('author')));
  put('language', languageTag(lang ?? text(article?.inLanguage) ?? meta.get('og:locale')));
  return facts;
}

type Node = Record<string, unknown>;

/** Every object in a JSON-LD block: a single node, a list, or an @graph. Broken JSON is no fact. */
function parseJsonLd(source: string): Node[] {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch {
    return [];
  }
  const out: Node[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      out.push(v as Node);
      if (Array.isArray((v as Node)['@graph'])) visit((v as Node)['@graph']);
    }
  };
  visit(data);
  return out;
}

const typeOf = (node: Node): string => [node['@type']].flat().filter((t) => typeof t === 'string').join(' ');
const firstOf = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const nameOf = (v: unknown): unknown => (v && typeof v === 'object' ? (v as Node).name : v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** One line, at most what the schema takes (longer is cut at a word, with an ellipsis). */
function clean(v: string | undefined, max = 140): string | undefined {
  const line = v?.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!line) return undefined;
  return line.length <= max ? line : `${line.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
}

function dateOf(v: string | undefined): string | undefined {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})/.exec(v ?? '');
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** "zh_CN", "EN-us" → "zh-CN", "en-US"; anything that is not a tag is left out. */
function languageTag(v: string | undefined): string | undefined {
  const parts = v?.trim().replace(/_/g, '-').split('-') ?? [];
  if (!parts[0]) return undefined;
  const tag = [parts[0].toLowerCase(), ...parts.slice(1).map((p) => (p.length === 2 ? p.toUpperCase() : p))].join('-');
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : undefined;
}

function absoluteHttp(href: string | undefined, base: string): string | undefined {
  if (!href) return undefined;
  try {
    const u = new URL(href, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
