/**
 * Everything the archive templates show, computed once in JavaScript: URLs,
 * rendered Markdown, date labels, month groups, pagination chunks, related
 * briefs and feed entries. Templates only loop and print, which keeps a
 * 10,000-brief build as fast as plain Eleventy and keeps brief text out of
 * any template engine (it arrives here as data, never as a template).
 */
import type { Brief } from '../briefs/schema.js';
import type { Theme } from '../config/schema.js';
import type { Published } from '../editions/published.js';
import { renderMarkdown } from '../render/markdown.js';
import { absolute, paths } from '../urls.js';
import { assetPaths } from './assets.js';
import type { CardSpec } from './cards.js';
import { readableAccent } from './colours.js';
import { ARCHIVE_META_CSP } from './csp.js';
import { entitySlug } from './entities.js';
import { relatedIndex } from './related.js';

/** Items per theme page before it paginates. */
export const PAGE_SIZE = 50;
/** Entries per Atom feed: the newest. */
export const FEED_SIZE = 50;
/** Newest items per theme on the home page. */
export const HOME_PER_THEME = 5;

export const SEARCH_PATH = '/search/';

/** Page n (2 and up) of a theme: /themes/<slug>/page/<n>/. */
export const themePagePath = (slug: string, n: number): string => (n <= 1 ? paths.theme(slug) : `${paths.theme(slug)}page/${n}/`);

export interface ThemeRef {
  slug: string;
  label: string;
  url: string;
  /** CSS class carrying the theme's accent colour. */
  cls: string;
}

/** A person, company, model or place that briefs name; its page lists them all. */
export interface EntityRef {
  name: string;
  slug: string;
  url: string;
}

export interface ArchiveEntity extends EntityRef {
  count: number;
  /** Newest first. */
  briefs: ArchiveBrief[];
}

export interface ArchiveBrief {
  id: string;
  url: string;
  absoluteUrl: string;
  title: string;
  date: string;
  dateLabel: string;
  summary: string;
  whyItMatters: string | undefined;
  /** From renderMarkdown only: the one value printed unescaped. */
  bodyHtml: string;
  themes: ThemeRef[];
  source: {
    name: string;
    url: string | undefined;
    author: string | undefined;
    publishedLabel: string | undefined;
    published: string | undefined;
    language: string | undefined;
    languageLabel: string | undefined;
    originalTitle: string | undefined;
  };
  entities: EntityRef[];
  /** The share image: its primary theme's card (absolute URL). */
  card: string;
  related: Array<{ url: string; title: string; date: string; dateLabel: string; themes: ThemeRef[] }>;
  editions: Array<{ url: string; label: string }>;
  /** Oldest first, as written. */
  corrections: Array<{ date: string; dateLabel: string; text: string }>;
  /** The last correction's date, or the brief's own: its feed entry's `updated`. */
  updated: string;
}

export interface ArchiveTheme extends ThemeRef {
  description: string;
  accent: string;
  accentLight: string;
  accentDark: string;
  feedUrl: string;
  /** The theme's share image (absolute URL). */
  card: string;
  count: number;
  latest: ArchiveBrief[];
  /**
   * For the home page's column: the newest briefs whose primary (first) theme this is, leaving out those
   * in the latest edition's card above it, so no headline shows twice on one screen.
   */
  home: ArchiveBrief[];
}

export interface MonthGroup {
  key: string;
  label: string;
  items: ArchiveBrief[];
}

export interface ThemePage {
  theme: ArchiveTheme;
  url: string;
  pageNumber: number;
  pageCount: number;
  first: number;
  last: number;
  groups: MonthGroup[];
  prevUrl: string | undefined;
  nextUrl: string | undefined;
  /** Page links: the first, the last and two either side of the current; `gap` marks skipped runs. */
  pages: Array<{ number: number; url: string; current: boolean; gap: boolean }>;
}

export interface ArchiveEdition {
  id: string;
  number: number;
  date: string;
  dateLabel: string;
  url: string;
  absoluteUrl: string;
  title: string;
  subject: string | undefined;
  /** Subject, or "Edition #n": the page's own title, without the site's name. */
  heading: string;
  /** For the page's description and its share card. */
  description: string;
  /** The edition's share image (absolute URL). */
  card: string;
  noteHtml: string;
  /**
   * The all-themes email, for editions with sections: rendered by each build from the current briefs
   * (planEditionEmails in email-files.ts). Not a record of what was sent: corrections show in it, and an
   * edition not sent yet has one too.
   */
  emailUrl: string | undefined;
  count: number;
  sections: Array<{ theme: ThemeRef; anchor: string; items: ArchiveBrief[] }>;
}

export interface Feed {
  /** Site path of the feed file. */
  path: string;
  selfUrl: string;
  alternateUrl: string;
  title: string;
  subtitle: string;
  updated: string;
  entries: FeedEntry[];
}

export interface FeedEntry {
  id: string;
  link: string;
  title: string;
  published: string;
  updated: string;
  summary: string;
  contentHtml: string;
  /** term: the theme's slug, under the scheme of the site's /themes/; label: its name. */
  categories: Array<{ term: string; label: string }>;
}

export interface ArchiveData {
  /** drafts: a `build --drafts` site, with editions not yet sent; marked as such and kept out of search engines. */
  site: { title: string; description: string; language: string; baseUrl: string; drafts: boolean; csp: string; card: string };
  urls: {
    home: string;
    themes: string;
    editions: string;
    editionsFeed: string;
    briefs: string;
    entities: string;
    feed: string;
    feedAbsolute: string;
    feedStyle: string;
    themeScheme: string;
    subscribe: string;
    search: string;
    css: string;
    searchScript: string;
    favicon: string;
    faviconPng: string;
    appleTouchIcon: string;
  };
  themes: ArchiveTheme[];
  briefs: ArchiveBrief[];
  /**
   * The briefs in the order Eleventy renders their pages (brief.11ty.mjs), which
   * is the order the search index's shards fill in: oldest first, unless the
   * build asks for newest first (ArchiveDataOptions.newestFirst).
   */
  briefPages: ArchiveBrief[];
  themePages: ThemePage[];
  /** Newest first. */
  editions: ArchiveEdition[];
  latestEdition: ArchiveEdition | undefined;
  latestBriefs: ArchiveBrief[];
  /** The newest briefs, for /briefs/. */
  recentBriefs: ArchiveBrief[];
  /** By name; each with its briefs. */
  entities: ArchiveEntity[];
  feeds: Feed[];
  editionsFeed: Feed;
  /** Every public page, for sitemap.xml. */
  sitemap: Array<{ loc: string; lastmod: string | undefined }>;
  /** The share images the build renders (cards.ts). */
  cards: CardSpec[];
  /** Only theme feeds, for their own paginated template. */
  themeFeeds: Feed[];
  mainFeed: Feed;
}

/** What every brief's view needs: date and language labels, theme references, editions per brief. */
interface ViewContext {
  dayLabel(date: string): string;
  monthLabel(date: string): string;
  languageNames: Intl.DisplayNames | undefined;
  themeRefs: Map<string, ThemeRef>;
  editionsOf: Map<string, Array<{ url: string; label: string }>>;
  entityRef(name: string): EntityRef;
  /** Absolute URL of a theme's card, and of the site's. */
  themeCard(slug: string | undefined): string;
}

function viewContext(published: Published): ViewContext {
  const { config } = published;
  const lang = config.site.language;
  const dayFormat = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const monthFormat = new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const dayLabels = new Map<string, string>();
  const dayLabel = (date: string) => {
    let label = dayLabels.get(date);
    if (label === undefined) dayLabels.set(date, (label = dayFormat.format(utc(date))));
    return label;
  };
  let languageNames: Intl.DisplayNames | undefined;
  try {
    languageNames = new Intl.DisplayNames([lang], { type: 'language' });
  } catch {
    languageNames = undefined;
  }

  const themeRefs = new Map<string, ThemeRef>(config.themes.map((t) => [t.slug, themeRef(t)]));

  // Which editions each brief appeared in, for its page.
  const editionsOf = new Map<string, Array<{ url: string; label: string }>>();
  for (const e of published.editions) {
    for (const b of e.items) {
      const list = editionsOf.get(b.id) ?? [];
      list.push({ url: paths.edition(e.id), label: `#${e.number}, ${dayLabel(e.date)}` });
      editionsOf.set(b.id, list);
    }
  }
  // One page per entity, named the way the newest brief spells it ("Nvidia" and "NVIDIA" are one).
  const entityRefs = new Map<string, EntityRef>();
  const entityRef = (name: string) => {
    const slug = entitySlug(name);
    let ref = entityRefs.get(slug);
    if (!ref) entityRefs.set(slug, (ref = { name, slug, url: paths.entity(slug) }));
    return ref;
  };
  const baseUrl = config.site.base_url;
  const themeCard = (slug: string | undefined) => absolute(baseUrl, paths.card(slug && themeRefs.has(slug) ? `theme-${slug}` : 'site'));
  return { dayLabel, monthLabel: (date) => monthFormat.format(utc(date)), languageNames, themeRefs, editionsOf, entityRef, themeCard };
}

/** A brief as its page and the listings show it; `related` is filled in by the caller. */
function briefView(b: Brief, ctx: ViewContext, baseUrl: string, bodyHtml: string): ArchiveBrief {
  return {
    id: b.id,
    url: paths.brief(b.id),
    absoluteUrl: absolute(baseUrl, paths.brief(b.id)),
    title: b.title,
    date: b.date,
    dateLabel: ctx.dayLabel(b.date),
    summary: b.summary,
    whyItMatters: b.why_it_matters,
    bodyHtml,
    themes: b.themes.map((slug) => ctx.themeRefs.get(slug)).filter((t): t is ThemeRef => t !== undefined),
    source: {
      name: b.source.name,
      url: b.source.url,
      author: b.source.author,
      published: b.source.published,
      publishedLabel: b.source.published ? ctx.dayLabel(b.source.published) : undefined,
      language: b.source.language,
      languageLabel: b.source.language ? languageLabel(ctx.languageNames, b.source.language) : undefined,
      originalTitle: b.source.original_title,
    },
    entities: dedupe(b.entities.map(ctx.entityRef)),
    card: ctx.themeCard(b.themes[0]),
    related: [],
    editions: ctx.editionsOf.get(b.id) ?? [],
    corrections: b.corrections.map((c) => ({ date: c.date, dateLabel: ctx.dayLabel(c.date), text: c.text })),
    updated: b.corrections.reduce((latest, c) => (c.date > latest ? c.date : latest), b.date),
  };
}

const relatedView = (o: ArchiveBrief) => ({ url: o.url, title: o.title, date: o.date, dateLabel: o.dateLabel, themes: o.themes });

/**
 * One brief's page data, exactly as archiveData would give it, without
 * rendering every other brief's Markdown: the dev server shows a just-written
 * brief this way before its full rebuild. Undefined when it is not published.
 */
export function briefPageData(published: Published, id: string): ArchiveBrief | undefined {
  const index = published.briefs.findIndex((b) => b.id === id);
  if (index < 0) return undefined;
  const ctx = viewContext(published);
  const baseUrl = published.config.site.base_url;
  const brief = briefView(published.briefs[index]!, ctx, baseUrl, renderMarkdown(published.briefs[index]!.body));
  brief.related = relatedIndex(published.briefs, 5, index)[index]!.map((j) => relatedView(briefView(published.briefs[j]!, ctx, baseUrl, '')));
  return brief;
}

export interface ArchiveDataOptions {
  /** renderMarkdown, or a stand-in with the same output (memoRenderer). */
  markdown?: (source: string) => string;
  /** Render brief pages newest first (see briefPages); default oldest first. */
  newestFirst?: boolean;
}

export function archiveData(published: Published, { markdown = renderMarkdown, newestFirst = false }: ArchiveDataOptions = {}): ArchiveData {
  const { config } = published;
  const lang = config.site.language;
  const baseUrl = config.site.base_url;
  const ctx = viewContext(published);

  const briefs: ArchiveBrief[] = published.briefs.map((b) => briefView(b, ctx, baseUrl, markdown(b.body)));
  const byId = new Map(briefs.map((b) => [b.id, b]));

  relatedIndex(published.briefs).forEach((others, i) => {
    briefs[i]!.related = others.map((j) => relatedView(briefs[j]!));
  });

  const { themes, themePages, themeFeeds } = themeViews(published, briefs, ctx);

  const editions = editionViews(published, ctx, byId, markdown);

  const mainFeed = feed(briefs, {
    path: paths.feed(),
    alternate: paths.home(),
    title: config.site.title,
    subtitle: config.site.description,
    baseUrl,
  });
  const editionsFeed = editionFeed(editions, config.site.title, baseUrl);

  // Home columns: a brief under its primary theme only, and not again if the latest edition shows it.
  const inLatest = new Set(editions[0]?.sections.flatMap((s) => s.items.map((b) => b.id)) ?? []);
  const themeOf = new Map(themes.map((t) => [t.slug, t]));
  for (const b of briefs) {
    const home = themeOf.get(b.themes[0]?.slug ?? '')?.home;
    if (home && home.length < HOME_PER_THEME && !inLatest.has(b.id)) home.push(b);
  }

  const entities = entityPages(briefs);
  const assets = assetPaths(config, JSON.stringify(themes.map((t) => [t.cls, t.accentLight, t.accentDark])));

  return {
    site: {
      title: config.site.title,
      description: config.site.description,
      language: lang,
      baseUrl,
      drafts: Boolean(published.drafts),
      csp: ARCHIVE_META_CSP,
      card: ctx.themeCard(undefined),
    },
    urls: {
      home: paths.home(),
      themes: paths.themes(),
      editions: paths.editions(),
      editionsFeed: paths.editionsFeed(),
      briefs: paths.briefs(),
      entities: paths.entities(),
      feed: paths.feed(),
      feedAbsolute: absolute(baseUrl, paths.feed()),
      feedStyle: paths.feedStyle(),
      themeScheme: absolute(baseUrl, paths.themes()),
      subscribe: paths.subscribe(),
      search: SEARCH_PATH,
      css: assets.css,
      searchScript: assets.searchScript,
      favicon: paths.favicon(),
      faviconPng: paths.faviconPng(),
      appleTouchIcon: paths.appleTouchIcon(),
    },
    themes,
    briefs,
    briefPages: newestFirst ? briefs : [...briefs].reverse(),
    themePages,
    editions,
    latestEdition: editions[0],
    latestBriefs: briefs.slice(0, 10),
    recentBriefs: briefs.slice(0, PAGE_SIZE),
    entities,
    feeds: [mainFeed, editionsFeed, ...themeFeeds],
    themeFeeds,
    mainFeed,
    editionsFeed,
    sitemap: sitemapOf(baseUrl, { briefs, themePages, editions, entities }),
    cards: cardSpecs(config.site.title, themes, editions),
  };
}

/** Each theme's view, its listing pages and its feed. */
function themeViews(published: Published, briefs: ArchiveBrief[], ctx: ViewContext): { themes: ArchiveTheme[]; themePages: ThemePage[]; themeFeeds: Feed[] } {
  const { config } = published;
  const baseUrl = config.site.base_url;
  const { themeRefs } = ctx;
  const themes: ArchiveTheme[] = [];
  const themePages: ThemePage[] = [];
  const themeFeeds: Feed[] = [];
  for (const t of config.themes) {
    const items = briefs.filter((b) => b.themes.some((r) => r.slug === t.slug));
    const theme: ArchiveTheme = {
      ...themeRefs.get(t.slug)!,
      description: t.description,
      accent: t.accent,
      accentLight: readableAccent(t.accent, 'light'),
      accentDark: readableAccent(t.accent, 'dark'),
      feedUrl: paths.themeFeed(t.slug),
      card: ctx.themeCard(t.slug),
      count: items.length,
      latest: items.slice(0, HOME_PER_THEME),
      home: [],
    };
    themes.push(theme);
    themePages.push(...paginate(theme, items, ctx.monthLabel));
    themeFeeds.push(
      feed(items, {
        path: paths.themeFeed(t.slug),
        alternate: paths.theme(t.slug),
        title: `${config.site.title}: ${t.label}`,
        subtitle: t.description,
        baseUrl,
      }),
    );
  }

  return { themes, themePages, themeFeeds };
}

/** The editions, newest first. */
function editionViews(published: Published, ctx: ViewContext, byId: Map<string, ArchiveBrief>, markdown: (source: string) => string): ArchiveEdition[] {
  const { config } = published;
  const baseUrl = config.site.base_url;
  const { dayLabel, themeRefs } = ctx;
  return [...published.editions].reverse().map((e) => ({
    id: e.id,
    number: e.number,
    date: e.date,
    dateLabel: dayLabel(e.date),
    url: paths.edition(e.id),
    absoluteUrl: absolute(baseUrl, paths.edition(e.id)),
    title: `${config.site.title} #${e.number}`,
    subject: e.subject,
    heading: e.subject ?? `Edition #${e.number}`,
    description:
      `Edition #${e.number} of ${config.site.title}, ${dayLabel(e.date)}: ${e.items.length} brief${e.items.length === 1 ? '' : 's'}` +
      (e.sections.length ? ` on ${e.sections.map((s) => s.theme.label).join(', ')}.` : '.'),
    card: absolute(baseUrl, paths.card(`edition-${e.id}`)),
    noteHtml: e.note ? markdown(e.note) : '',
    emailUrl: e.sections.length > 0 ? `${paths.edition(e.id)}email.html` : undefined,
    count: e.items.length,
    sections: e.sections.map((s) => ({
      theme: themeRefs.get(s.theme.slug)!,
      // The email links to paths.editionTheme(id, slug): this id is that anchor.
      anchor: paths.editionTheme(e.id, s.theme.slug).split('#')[1]!,
      items: s.briefs.map((b) => byId.get(b.id)!).filter(Boolean),
    })),
  }));

}

function dedupe<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** Every entity any brief names, by name, with its briefs newest first (briefs come newest first). */
function entityPages(briefs: ArchiveBrief[]): ArchiveEntity[] {
  const bySlug = new Map<string, ArchiveEntity>();
  for (const b of briefs) {
    for (const ref of b.entities) {
      let entity = bySlug.get(ref.slug);
      if (!entity) bySlug.set(ref.slug, (entity = { ...ref, count: 0, briefs: [] }));
      entity.briefs.push(b);
      entity.count++;
    }
  }
  const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
  return [...bySlug.values()].sort((a, b) => collator.compare(a.name, b.name));
}

function sitemapOf(
  baseUrl: string,
  o: { briefs: ArchiveBrief[]; themePages: ThemePage[]; editions: ArchiveEdition[]; entities: ArchiveEntity[] },
): ArchiveData['sitemap'] {
  const newest = (dates: Array<string | undefined>) => dates.reduce<string | undefined>((a, d) => (d && (!a || d > a) ? d : a), undefined);
  const lastBrief = newest(o.briefs.map((b) => b.updated));
  const at = (p: string, lastmod: string | undefined) => ({ loc: absolute(baseUrl, p), lastmod });
  return [
    at(paths.home(), newest([lastBrief, o.editions[0]?.date])),
    at(paths.themes(), lastBrief),
    ...o.themePages.map((tp) => at(tp.url, newest(tp.groups.flatMap((g) => g.items.map((b) => b.updated))))),
    at(paths.editions(), o.editions[0]?.date),
    ...o.editions.map((e) => at(e.url, e.date)),
    at(paths.briefs(), lastBrief),
    ...o.briefs.map((b) => at(b.url, b.updated)),
    at(paths.entities(), lastBrief),
    ...o.entities.map((e) => at(e.url, newest(e.briefs.map((b) => b.updated)))),
    at(SEARCH_PATH, undefined),
  ];
}

function cardSpecs(siteTitle: string, themes: ArchiveTheme[], editions: ArchiveEdition[]): CardSpec[] {
  return [
    { name: 'site', site: siteTitle, kicker: '', title: siteTitle, accents: themes.map((t) => t.accentLight) },
    ...themes.map((t) => ({ name: `theme-${t.slug}`, site: siteTitle, kicker: 'Theme', title: t.label, accents: [t.accentLight] })),
    ...editions.map((e) => ({
      name: `edition-${e.id}`,
      site: siteTitle,
      kicker: `Edition #${e.number} · ${e.dateLabel}`,
      // The headline a reader would share: the subject, or the edition's first brief, as its email's subject does.
      title: e.subject ?? e.sections[0]?.items[0]?.title ?? e.heading,
      accents: e.sections.map((s) => themes.find((t) => t.slug === s.theme.slug)?.accentLight ?? '#575b63'),
    })),
  ];
}

/** One entry per edition, newest first: its briefs, by theme, inside. */
function editionFeed(editions: ArchiveEdition[], siteTitle: string, baseUrl: string): Feed {
  const entries: FeedEntry[] = editions.slice(0, FEED_SIZE).map((e) => ({
    id: e.absoluteUrl,
    link: e.absoluteUrl,
    title: e.heading,
    published: `${e.date}T00:00:00Z`,
    updated: `${e.date}T00:00:00Z`,
    summary: e.description,
    contentHtml: xmlSafe(
      e.noteHtml +
        e.sections
          .map(
            (s) =>
              `<h2>${escapeHtml(s.theme.label)}</h2><ul>` +
              s.items.map((b) => `<li><a href="${escapeHtml(b.absoluteUrl)}">${escapeHtml(b.title)}</a>: ${escapeHtml(b.summary)}</li>`).join('') +
              '</ul>',
          )
          .join(''),
    ),
    categories: e.sections.map((s) => ({ term: s.theme.slug, label: s.theme.label })),
  }));
  return feedOf(entries, {
    path: paths.editionsFeed(),
    alternate: paths.editions(),
    title: `${siteTitle}: editions`,
    subtitle: `Every edition of ${siteTitle}, as it went out by email.`,
    baseUrl,
  });
}

function themeRef(t: Theme): ThemeRef {
  return { slug: t.slug, label: t.label, url: paths.theme(t.slug), cls: `t-${t.slug}` };
}

function utc(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

function languageLabel(names: Intl.DisplayNames | undefined, tag: string): string {
  try {
    return names?.of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** A theme's items in pages of PAGE_SIZE, each grouped by month. Always at least one page. */
function paginate(theme: ArchiveTheme, items: ArchiveBrief[], monthLabel: (date: string) => string): ThemePage[] {
  const pageCount = Math.max(1, Math.ceil(items.length / PAGE_SIZE));
  const all = Array.from({ length: pageCount }, (_, i) => ({ number: i + 1, url: themePagePath(theme.slug, i + 1) }));
  return all.map(({ number, url }) => {
    const chunk = items.slice((number - 1) * PAGE_SIZE, number * PAGE_SIZE);
    const groups: MonthGroup[] = [];
    for (const item of chunk) {
      const key = item.date.slice(0, 7);
      const last = groups[groups.length - 1];
      if (last && last.key === key) last.items.push(item);
      else groups.push({ key, label: monthLabel(`${key}-01`), items: [item] });
    }
    return {
      theme,
      url,
      pageNumber: number,
      pageCount,
      first: chunk.length ? (number - 1) * PAGE_SIZE + 1 : 0,
      last: (number - 1) * PAGE_SIZE + chunk.length,
      groups,
      prevUrl: number > 1 ? themePagePath(theme.slug, number - 1) : undefined,
      nextUrl: number < pageCount ? themePagePath(theme.slug, number + 1) : undefined,
      pages: pageLinks(all, number),
    };
  });
}

function pageLinks(all: Array<{ number: number; url: string }>, current: number): ThemePage['pages'] {
  const shown = all.filter((p) => p.number === 1 || p.number === all.length || Math.abs(p.number - current) <= 2);
  return shown.map((p, i) => ({ ...p, current: p.number === current, gap: i > 0 && p.number - shown[i - 1]!.number > 1 }));
}

interface FeedFrame {
  path: string;
  alternate: string;
  title: string;
  subtitle: string;
  baseUrl: string;
}

/** A feed of the newest briefs. */
function feed(items: ArchiveBrief[], o: FeedFrame): Feed {
  const entries = items.slice(0, FEED_SIZE).map((b) => ({
    id: b.absoluteUrl,
    link: b.absoluteUrl,
    title: b.title,
    published: `${b.date}T00:00:00Z`,
    updated: `${b.updated}T00:00:00Z`,
    summary: b.summary,
    contentHtml: xmlSafe(
      `<p>${escapeHtml(b.summary)}</p>` +
      (b.whyItMatters ? `<p><strong>Why it matters:</strong> ${escapeHtml(b.whyItMatters)}</p>` : '') +
      b.bodyHtml +
      (b.corrections.length ? `<p><strong>Corrections:</strong></p><ul>${b.corrections.map((c) => `<li>${escapeHtml(c.dateLabel)}: ${escapeHtml(c.text)}</li>`).join('')}</ul>` : '') +
      `<p>Source: ${b.source.url ? `<a href="${escapeHtml(b.source.url)}">${escapeHtml(b.source.name)}</a>` : escapeHtml(b.source.name)}</p>`,
    ),
    categories: b.themes.map((t) => ({ term: t.slug, label: t.label })),
  }));
  return feedOf(entries, o);
}

/** A feed's own fields around its entries. */
function feedOf(entries: FeedEntry[], o: FeedFrame): Feed {
  return {
    path: o.path,
    selfUrl: absolute(o.baseUrl, o.path),
    alternateUrl: absolute(o.baseUrl, o.alternate),
    title: o.title,
    subtitle: o.subtitle,
    // Deterministic: the latest entry's date (a correction counts), so an unchanged archive gives an unchanged feed.
    updated: entries.reduce((latest, e) => (e.updated > latest ? e.updated : latest), '1970-01-01T00:00:00Z'),
    entries,
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Characters XML 1.0 forbids even when escaped; a brief body could hold them. */
function xmlSafe(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}
