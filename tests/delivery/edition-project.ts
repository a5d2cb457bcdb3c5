/**
 * A temp project with one published edition that has two themed sections
 * (safety and open-source; export-controls has none), for delivery tests.
 */
import { spawn } from 'node:child_process';
import { afterEach, beforeEach } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { writeEdition } from '../../src/editions/store.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import type { CliResult } from '../helpers/cli.js';
import { CLI, briefText, tempProject, type TempProject } from '../helpers/project.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.js';

export const EDITION_ID = '2026-11-23';
export const SECRET = 'test-secret-that-is-long-enough-0123456789';

export async function editionProject(config: Record<string, unknown> = {}): Promise<TempProject> {
  const project = tempProject({
    config: { delivery: { pool_size: 3, max_attempts: 3, retry_base_ms: 5 }, ...config },
  });
  project.writeBrief(
    'safety-news.md',
    briefText({ title: 'Safety institute publishes evaluation', themes: ['safety'], date: '2026-11-20', source: { name: 'Example News', url: 'https://example.org/safety-evaluation' } }, '- Evaluations found gaps.\n- More testing is planned.\n'),
  );
  project.writeBrief(
    'open-weights-news.md',
    briefText({ title: 'Open weights model tops leaderboard', themes: ['open-source'], date: '2026-11-21', source: { name: 'Example News', url: 'https://example.org/open-weights' } }, '- A new open model leads.\n- Licence allows commercial use.\n'),
  );
  await writeEdition(project.editionsDir, { number: 1, date: EDITION_ID, briefs: ['open-weights-news', 'safety-news'], note: '' });
  return project;
}

/**
 * Runs the real CLI without blocking this process: the SMTP sink lives in the
 * test process, so spawnSync (runCli) would stop it from answering.
 */
export function runCliAsync(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export interface EditionAndSink {
  project: TempProject;
  sink: SmtpSink;
  db: Db;
}

/**
 * For a test file: before each test a fresh editionProject, an SMTP sink on loopback and its database (with
 * these subscribers, confirmed), handed to `ready`; all of it closed and removed after the test.
 */
export function useEditionAndSink(ready: (t: EditionAndSink) => void, subscribers: string[] = []): void {
  let t: EditionAndSink;
  beforeEach(async () => {
    const project = await editionProject();
    t = { project, sink: await startSmtpSink(), db: openDatabase(project.dataDir) };
    for (const email of subscribers) addSubscriber(t.db, { email, source: 'test' });
    ready(t);
  });
  afterEach(async () => {
    t.db.close();
    await t.sink.close();
    t.project.cleanup();
  });
}
