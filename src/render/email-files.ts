/**
 * Writes <outDir>/editions/<id>/email.html and email.txt during `briefing build`:
 * the all-themes variant of each edition, with the personal links replaced by
 * obvious placeholder URLs (this copy is public; nobody's token belongs in it).
 * The archive build calls it before the atomic swap.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Published } from '../editions/published.js';
import { debug } from '../log.js';
import { absolute, paths } from '../urls.js';
import { renderEmailVariant } from './email.js';
import { personalize, type PersonalData } from './variant.js';

const log = debug('email-files');

/** Stand-ins for one reader's data, for public copies and previews. */
export function samplePersonalData(config: Config): PersonalData {
  return {
    unsubscribeUrl: absolute(config.site.base_url, paths.unsubscribe('your-personal-link')),
    preferencesUrl: absolute(config.site.base_url, paths.preferences('your-personal-link')),
    name: 'reader',
  };
}

export async function writeEditionEmails(published: Published, outDir: string): Promise<void> {
  const { config } = published;
  const all = config.themes.map((t) => t.slug);
  for (const edition of published.editions) {
    // An edition whose briefs are all missing has nothing to show; loadPublished already reported it.
    if (edition.sections.length === 0) continue;
    const variant = await renderEmailVariant(config, edition, all);
    const personal = personalize(variant, samplePersonalData(config));
    const dir = path.join(outDir, 'editions', edition.id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'email.html'), personal.html);
    await writeFile(path.join(dir, 'email.txt'), personal.text);
    log('wrote %s', dir);
  }
}
