// One Atom feed per theme. To change what a feed holds, edit the layout.
import { paginated } from './_includes/paginated.mjs';

export default paginated({ items: 'archive.themeFeeds', alias: 'f', layout: 'pages/theme-feed.njk', permalink: (f) => f.path });
