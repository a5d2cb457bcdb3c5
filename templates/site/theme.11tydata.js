// The permalink as a function of the page's data: no template string to compile for each of thousands of pages.
export default { permalink: (data) => data.tp.url };
