/**
 * Temp projects for tests: a folder with its own briefing.config.yml, briefs/
 * and editions/, so tests never touch the real ones.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(ROOT, 'tests/fixtures');
export const CLI = path.join(ROOT, 'bin/briefing.js');

export const TEST_CONFIG = {
  // on-date: most tests build archives of briefs no edition has mailed (tests/archive/publish.test.ts covers the default, on-send).
  site: { title: 'Test Briefing', base_url: 'https://briefing.test', description: 'A test briefing.', publish: 'on-date' },
  sender: { name: 'Test Briefing', address: 'briefing@briefing.test' },
  postal_address: '1 Test Street, Testville',
  schedule: { cron: '0 7 * * 1', timezone: 'Europe/Berlin' },
  // Source links point at example.org; tests/preflight/links.test.ts fetches real ones on loopback.
  preflight: { check_links: false },
};

export interface TempProject {
  root: string;
  briefsDir: string;
  editionsDir: string;
  dataDir: string;
  config(env?: NodeJS.ProcessEnv): Config;
  writeBrief(relative: string, content: string): string;
  cleanup(): void;
}

/** A temp project; `briefs` copies these files or folders into its briefs/. */
export function tempProject(options: { config?: Record<string, unknown>; briefs?: string[] } = {}): TempProject {
  const root = mkdtempSync(path.join(os.tmpdir(), 'briefing-test-'));
  const briefsDir = path.join(root, 'briefs');
  const editionsDir = path.join(root, 'editions');
  const dataDir = path.join(root, 'data');
  mkdirSync(briefsDir, { recursive: true });
  writeFileSync(path.join(root, 'briefing.config.yml'), stringify({ ...TEST_CONFIG, ...options.config }));
  for (const source of options.briefs ?? []) cpSync(source, path.join(briefsDir, path.basename(source)), { recursive: true });
  return {
    root,
    briefsDir,
    editionsDir,
    dataDir,
    config: (env = {}) => loadConfig({ root, env: { BRIEFING_DATA_DIR: dataDir, ...env } }),
    writeBrief(relative, content) {
      const file = path.join(briefsDir, relative);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A valid brief's text, with frontmatter fields overridden or removed (undefined). */
export function briefText(fields: Record<string, unknown> = {}, body = '- First point.\n- Second point.\n'): string {
  const base: Record<string, unknown> = {
    title: 'A valid brief',
    date: '2026-11-20',
    themes: ['open-source', 'safety'],
    source: { name: 'Example News', url: 'https://example.org/article' },
    summary: 'Something happened that matters.',
    why_it_matters: 'It changes the picture.',
    entities: ['DeepSeek'],
    status: 'ready',
  };
  const data = Object.fromEntries(Object.entries({ ...base, ...fields }).filter(([, v]) => v !== undefined));
  const yaml = stringify(data, { lineWidth: 0 }).replace(/^date: "(.*)"$/m, 'date: $1');
  return `---\n${yaml}---\n\n${body}`;
}
