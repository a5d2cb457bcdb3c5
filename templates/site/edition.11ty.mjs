// One page per edition. To restyle, edit the layout.
import { paginated } from './_includes/paginated.mjs';

export default paginated({ items: 'archive.editions', alias: 'e', layout: 'pages/edition.njk', permalink: (e) => e.url });
