// The paginated pages (brief, theme, edition and theme-feed .11ty.mjs): one page per item of an `archive`
// list, rendered by a Nunjucks layout in _includes. JavaScript, not .njk, so that Eleventy compiles each
// once rather than once per page (see renderLayout in src/archive/eleventy-config.ts).
export function paginated({ items, alias, layout, permalink }) {
  return {
    data: {
      pagination: { data: items, size: 1, alias },
      eleventyExcludeFromCollections: true,
      permalink: (data) => permalink(data[alias]),
    },
    render(data) {
      return this.renderLayout(layout, data);
    },
  };
}
