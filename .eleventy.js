// Eleventy's own entry point, for `npx @11ty/eleventy`, `npm run dev` and
// anyone used to Eleventy. It uses the same configuration as `briefing
// build` (src/archive/eleventy-config.ts); `briefing build` adds the atomic
// swap and --strict. Briefs are data here, never templates: the input
// folder is templates/site only.
import { register } from 'tsx/esm/api';

register();
const { projectEleventyConfig } = await import('./src/archive/project-config.ts');

export default projectEleventyConfig;
