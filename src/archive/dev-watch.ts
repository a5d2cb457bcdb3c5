/**
 * The writer's loop (`briefing dev`, `npm run dev`): Eleventy in watch mode
 * with the project's configuration (project-config.ts, the same as the root
 * .eleventy.js), writing dist/ in place and building again as briefs,
 * editions, templates or the config change. Serving is not Eleventy's here:
 * `briefing dev` serves dist/ with Briefing's own server (loopback, the
 * subscriber pages, live reload), so what a writer tries is what readers get.
 */
import Eleventy from '@11ty/eleventy';
import { projectEleventyConfig } from './project-config.js';

export interface ArchiveWatch {
  close(): Promise<void>;
}

/**
 * Builds the archive of the project in the working directory, then watches it.
 * `onBuilt` runs after every build, the first included, once its files are written.
 */
export async function watchArchive(options: { onBuilt: () => void }): Promise<ArchiveWatch> {
  const elev = new Eleventy(undefined, undefined, {
    quietMode: true,
    runMode: 'watch',
    // The project's configuration, whether or not the project has a .eleventy.js of its own.
    configPath: '',
    config: (eleventyConfig: Parameters<typeof projectEleventyConfig>[0]) => projectEleventyConfig(eleventyConfig, options),
  });
  await elev.init();
  // Eleventy keeps going after a failed rebuild and says why on the console; a writer fixes the file and saves.
  await elev.watch();
  return { close: () => elev.stopWatch() };
}
