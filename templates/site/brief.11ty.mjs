// One page per published brief, in the order the search index's shards fill (see briefPages in
// src/archive/data.ts): each shard is written while Eleventy renders the next.
// A JavaScript template, not .njk: Eleventy compiles a paginated .njk template again for every page;
// this one is compiled once, and Nunjucks caches the layout it renders (see renderLayout in
// src/archive/eleventy-config.ts). To restyle these pages, edit _includes/pages/brief.njk.
export const data = {
  pagination: { data: 'archive.briefPages', size: 1, alias: 'brief' },
  eleventyExcludeFromCollections: true,
  permalink: (data) => data.brief.url,
};

export function render(data) {
  return this.renderLayout('pages/brief.njk', data);
}
