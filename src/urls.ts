/**
 * Every public URL in one place, so the archive, the email, the feeds and
 * the server agree. Paths are site-relative; `absolute` adds the base URL.
 */
export const paths = {
  home: () => '/',
  brief: (id: string) => `/briefs/${id}/`,
  themes: () => '/themes/',
  theme: (slug: string) => `/themes/${slug}/`,
  themeFeed: (slug: string) => `/themes/${slug}/feed.xml`,
  feed: () => '/feed.xml',
  /** The feeds' stylesheet, so a browser shows a feed as a readable page (see templates/site/assets/feed.css.njk). */
  feedStyle: () => '/assets/feed.css',
  favicon: () => '/favicon.svg',
  /** PNG fallbacks of the icon, for browsers and home screens that take no SVG. */
  faviconPng: () => '/favicon-32.png',
  appleTouchIcon: () => '/apple-touch-icon.png',
  briefs: () => '/briefs/',
  entities: () => '/entities/',
  entity: (slug: string) => `/entities/${slug}/`,
  editions: () => '/editions/',
  /** One entry per edition, its briefs inside. */
  editionsFeed: () => '/editions/feed.xml',
  sitemap: () => '/sitemap.xml',
  robots: () => '/robots.txt',
  /** Share images (Open Graph cards), rendered by the build (src/archive/cards.ts). */
  card: (name: string) => `/cards/${name}.png`,
  edition: (id: string) => `/editions/${id}/`,
  /** The anchor of a theme's section on an edition page: the email's "more on the web" target. */
  editionTheme: (id: string, slug: string) => `/editions/${id}/#theme-${slug}`,
  subscribe: () => '/subscribe',
  confirm: (token: string) => `/confirm?token=${encodeURIComponent(token)}`,
  preferences: (token: string) => `/preferences?token=${encodeURIComponent(token)}`,
  unsubscribe: (token: string) => `/unsubscribe?token=${encodeURIComponent(token)}`,
};

export function absolute(baseUrl: string, sitePath: string): string {
  return baseUrl.replace(/\/+$/, '') + sitePath;
}

/** The token in a test send's personal links: its pages say so, and change nothing. */
export const TEST_TOKEN = 'test';
