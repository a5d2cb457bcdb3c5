// One page per entity: every brief that names it, newest first. To restyle, edit the layout.
import { paginated } from './_includes/paginated.mjs';

export default paginated({ items: 'archive.entities', alias: 'en', layout: 'pages/entity.njk', permalink: (en) => en.url });
