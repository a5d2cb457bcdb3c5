// One page per edition.
// A JavaScript template, not .njk: Eleventy compiles a paginated .njk template again for every page;
// this one is compiled once, and Nunjucks caches the layout it renders (see renderLayout in
// src/archive/eleventy-config.ts). To restyle these pages, edit _includes/pages/edition.njk.
export const data = {
  pagination: { data: 'archive.editions', size: 1, alias: 'e' },
  eleventyExcludeFromCollections: true,
  permalink: (data) => data.e.url,
};

export function render(data) {
  return this.renderLayout('pages/edition.njk', data);
}
