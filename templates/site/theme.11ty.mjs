// One page per page of each theme's listing. To restyle, edit the layout.
import { paginated } from './_includes/paginated.mjs';

export default paginated({ items: 'archive.themePages', alias: 'tp', layout: 'pages/theme.njk', permalink: (tp) => tp.url });
