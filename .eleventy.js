// Eleventy's own entry point, for `npx @11ty/eleventy` (and `--serve`) and
// anyone used to Eleventy. It uses the same configuration as `briefing
// build` (src/archive/eleventy-config.ts); `briefing build` adds the atomic
// swap and --strict. Briefs are data here, never templates: the input
// folder is templates/site only.
//
// No top-level await: in watch mode Eleventy require()s this file to find its
// dependencies when the project's package.json is not "type": "module", and
// require() refuses a module with top-level await.
import { register } from 'tsx/esm/api';

register();

export default async function briefingEleventyConfig(eleventyConfig) {
  const { projectEleventyConfig } = await import('./src/archive/project-config.ts');
  return projectEleventyConfig(eleventyConfig);
}
