// One Atom feed per theme.
// A JavaScript template, not .njk: Eleventy compiles a paginated .njk template again for every page;
// this one is compiled once, and Nunjucks caches the layout it renders (see renderLayout in
// src/archive/eleventy-config.ts). To restyle these pages, edit _includes/pages/theme-feed.njk.
export const data = {
  pagination: { data: 'archive.themeFeeds', size: 1, alias: 'f' },
  eleventyExcludeFromCollections: true,
  permalink: (data) => data.f.path,
};

export function render(data) {
  return this.renderLayout('pages/theme-feed.njk', data);
}
