/**
 * A full disk during `send` (the outbox and the delivery log on a real
 * tmpfs that fills up part way): the run stops with one message naming the
 * disk and the path, no row is marked sent whose message was not written,
 * no half-written message is left, and once there is room `send` finishes
 * the job, each subscriber getting exactly one message.
 */
import { cpSync, existsSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { openDatabase } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import { tmpfsPerTest } from '../helpers/tmpfs.js';
import { EDITION_ID, SECRET, editionProject, runCliAsync } from './edition-project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());
const mountTmpfs = tmpfsPerTest();

const READERS = 60;

async function readers(): Promise<{ env: NodeJS.ProcessEnv; outbox: string }> {
  project = await editionProject();
  const db = openDatabase(project.dataDir);
  for (let i = 0; i < READERS; i++) addSubscriber(db, { email: `reader${i}@example.org`, source: 'test' });
  db.close();
  return { env: { BRIEFING_DATA_DIR: project.dataDir, BRIEFING_SECRET: SECRET }, outbox: path.join(project.dataDir, 'outbox', EDITION_ID) };
}

const statuses = (p: TempProject) => {
  const db = openDatabase(p.dataDir);
  try {
    return Object.fromEntries((db.prepare(`SELECT status, COUNT(*) AS n FROM deliveries WHERE edition_id = ? GROUP BY status`).all(EDITION_ID) as { status: string; n: number }[]).map((r) => [r.status, r.n]));
  } finally {
    db.close();
  }
};
const emls = (outbox: string) => readdirSync(outbox).filter((f) => f.endsWith('.eml'));
const everyone = Array.from({ length: READERS }, (_, i) => `reader${i}@example.org.eml`).sort();

describe('send on a full disk', () => {
  it('the outbox’s disk fills: one message naming it, nothing marked sent that was not written, finished once there is room', { timeout: 120_000 }, async () => {
    const { env, outbox } = await readers();
    const tmpfs = mountTmpfs(8192, path.join(project!.dataDir, 'outbox'));
    const free = tmpfs.fill(400);

    const stopped = await runCliAsync(['send', EDITION_ID], { cwd: project!.root, env });
    expect(stopped.status, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain(`the disk holding ${outbox}/`);
    expect(stopped.stderr).toContain(`(mounted at ${tmpfs.dir}) is full (ENOSPC); free some space there and run the command again`);
    expect(stopped.stderr).not.toMatch(/bug in Briefing/);
    const first = emls(outbox);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(READERS);
    // No temporary or half-written file is left, and no row says sent for a message that is not there.
    expect(readdirSync(outbox).filter((f) => !f.endsWith('.eml'))).toEqual([]);
    expect(statuses(project!).sent ?? 0).toBeLessThanOrEqual(first.length);

    free();
    const finished = await runCliAsync(['send', EDITION_ID], { cwd: project!.root, env });
    expect(finished.status, finished.stderr).toBe(0);
    expect(emls(outbox).sort()).toEqual(everyone);
    expect(statuses(project!)).toEqual({ sent: READERS });
  });

  it('the database’s disk fills (the delivery log’s WAL): one message naming the database, and send finishes later', { timeout: 120_000 }, async () => {
    const { env, outbox } = await readers();
    // The data folder on its own small disk: the database is moved onto it.
    const saved = path.join(project!.root, 'saved-data');
    renameSync(project!.dataDir, saved);
    const tmpfs = mountTmpfs(4096, project!.dataDir);
    cpSync(saved, project!.dataDir, { recursive: true });
    const free = tmpfs.fill(300);

    const stopped = await runCliAsync(['send', EDITION_ID], { cwd: project!.root, env });
    expect(stopped.status, stopped.stderr).toBe(1);
    expect(stopped.stderr).toMatch(new RegExp(`the disk holding ${project!.dataDir}/briefing\\.db \\(mounted at ${project!.dataDir}\\) is full \\((SQLITE_FULL|ENOSPC)\\)`));
    expect(stopped.stderr).not.toMatch(/bug in Briefing/);
    const sentBefore = statuses(project!).sent ?? 0;
    expect(sentBefore).toBeLessThanOrEqual(existsSync(outbox) ? emls(outbox).length : 0);

    free();
    const finished = await runCliAsync(['send', EDITION_ID], { cwd: project!.root, env });
    expect(finished.status, finished.stderr).toBe(0);
    expect(emls(outbox).sort()).toEqual(everyone);
    expect(statuses(project!)).toEqual({ sent: READERS });
  });
});
