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
  favicon: () => '/favicon.svg',
  editions: () => '/editions/',
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
