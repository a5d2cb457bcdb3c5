// One page per page of each theme's listing.
// A JavaScript template, not .njk: Eleventy compiles a paginated .njk template again for every page;
// this one is compiled once, and Nunjucks caches the layout it renders (see renderLayout in
// src/archive/eleventy-config.ts). To restyle these pages, edit _includes/pages/theme.njk.
export const data = {
  pagination: { data: 'archive.themePages', size: 1, alias: 'tp' },
  eleventyExcludeFromCollections: true,
  permalink: (data) => data.tp.url,
};

export function render(data) {
  return this.renderLayout('pages/theme.njk', data);
}
