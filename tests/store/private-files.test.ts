/**
 * Subscriber data is readable by its owner only, in a data folder that
 * already existed (0755) too: it used to be created 0644, readable by every
 * local user. The database and its WAL, and the outbox's folders and messages.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutboxTransport } from '../../src/delivery/outbox.js';
import { addSubscriber } from '../../src/delivery/subscribers.js';
import { openDatabase } from '../../src/store/db.js';
import { tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

const mode = (file: string) => statSync(file).mode & 0o777;

describe('file modes in a data folder that already exists (0755)', () => {
  it('the database and its WAL are created 0600, and one an older Briefing left 0644 is tightened', () => {
    project = tempProject();
    mkdirSync(project.dataDir, { recursive: true, mode: 0o755 });
    chmodSync(project.dataDir, 0o755);
    const db = openDatabase(project.dataDir);
    addSubscriber(db, { email: 'reader@example.org', source: 'test' });
    const file = path.join(project.dataDir, 'briefing.db');
    expect(mode(file)).toBe(0o600);
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(mode(`${file}-wal`)).toBe(0o600);
    db.close();

    chmodSync(file, 0o644);
    openDatabase(project.dataDir).close();
    expect(mode(file)).toBe(0o600);
  });

  it('the outbox’s folders are created 0700 and its messages 0600', async () => {
    project = tempProject();
    mkdirSync(project.dataDir, { recursive: true, mode: 0o755 });
    const dir = path.join(project.dataDir, 'outbox', '2026-11-23');
    const outbox = createOutboxTransport(dir);
    await outbox.send('From: a@example.org\r\nTo: b@example.org\r\n\r\nHello\r\n', { from: 'a@example.org', to: ['b@example.org'] });
    expect(mode(path.join(project.dataDir, 'outbox'))).toBe(0o700);
    expect(mode(dir)).toBe(0o700);
    expect(readdirSync(dir).map((f) => mode(path.join(dir, f)))).toEqual([0o600]);
  });
});
