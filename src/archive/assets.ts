/**
 * Fingerprinted asset paths (/assets/site.<hash>.css): a name changes with
 * what makes the file, so the server can let browsers keep it for a year
 * (`immutable`) and a new build is still seen at once. The hash is of the
 * inputs, known before Eleventy renders the pages that link them: the
 * template's source and what else the stylesheet is made from (`cssInputs`:
 * the theme classes and their computed colours).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { siteTemplatesDir } from './eleventy-config.js';

/** Files named this way are served `immutable` (see src/server/static.ts). */
export const FINGERPRINTED = /\.[0-9a-f]{10}\.(?:css|js)$/;

export function assetPaths(config: Config, cssInputs: string): { css: string; searchScript: string } {
  const dir = path.join(siteTemplatesDir(config), 'assets');
  const version = (file: string, extra = '') => {
    let source = '';
    try {
      source = readFileSync(path.join(dir, file), 'utf8');
    } catch {
      // A project's own templates may leave an asset out; its path still needs a name.
    }
    return createHash('sha256').update(source).update('\0').update(extra).digest('hex').slice(0, 10);
  };
  return { css: `/assets/site.${version('site.css.njk', cssInputs)}.css`, searchScript: `/assets/search.${version('search.js.njk')}.js` };
}
