/**
 * Imported by build.ts just before Eleventy, so that Eleventy loads without
 * its ESM cache-buster. On Node before 22.15, Eleventy 3 registers that with
 * module.register, which starts a module-hooks thread that every later
 * import goes through. Only watch mode needs it, to import edited
 * JavaScript again; a build renders once. Measured (A/B, 1,000 briefs,
 * weekly and fresh builds): 4–10% faster, ~12 MB less. `npm run dev`
 * (dev-watch.ts) loads Eleventy without this module and keeps it. A long-running `briefing start` therefore sees an edited
 * module that a project's JavaScript data file imports only after a restart.
 *
 * build.ts calls restoreEleventyEnv() once Eleventy is loaded, so no child
 * process inherits the setting. A value set by the user (even empty) is kept.
 */
const KEY = 'ELEVENTY_SKIP_ESM_RESOLVER';
const ours = process.env[KEY] === undefined;
if (ours) process.env[KEY] = '1';

export function restoreEleventyEnv(): void {
  if (ours) delete process.env[KEY];
}
