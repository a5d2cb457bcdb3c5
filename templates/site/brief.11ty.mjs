// One page per published brief, in the order the search index's shards fill (see briefPages in
// src/archive/data.ts): each shard is written while Eleventy renders the next. To restyle, edit the layout.
import { paginated } from './_includes/paginated.mjs';

export default paginated({ items: 'archive.briefPages', alias: 'brief', layout: 'pages/brief.njk', permalink: (brief) => brief.url });
