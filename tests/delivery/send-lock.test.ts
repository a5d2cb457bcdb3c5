/**
 * The per-edition send lock, on a real SQLite file. Regression: the lock was
 * a pid, so when a killed sender's pid was reused by any live process (common
 * in containers, where pids restart from 1), `send` refused the edition
 * until someone edited the database.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { sendEdition } from '../../src/delivery/send.js';
import { silentLogger } from '../../src/log.js';
import type { Db } from '../../src/store/db.js';
import type { TempProject } from '../helpers/project.js';
import type { SmtpSink } from '../helpers/smtp.js';
import { EDITION_ID, SECRET, useEditionAndSink } from './edition-project.js';

let project: TempProject;
let sink: SmtpSink;
let db: Db;
useEditionAndSink((t) => ({ project, sink, db } = t), ['ada@example.com']);

const send = () => sendEdition(project.config({ SMTP_URL: sink.url, BRIEFING_SECRET: SECRET }), { edition: EDITION_ID, log: silentLogger, progress: 'none', db });
/** A lock row as another sender left it: its owner's pid is alive (our parent's), as a reused pid would be. */
const lockedBy = (expiresAt: number) =>
  db
    .prepare('INSERT INTO locks (name, owner, acquired_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?)')
    .run(`send:${EDITION_ID}`, `${os.hostname()}:${process.ppid}:0badc0de`, '2026-11-23T07:00:00.000Z', '2026-11-23T07:00:00.000Z', expiresAt);

describe('the send lock', () => {
  it('a lock whose holder stopped renewing it is taken over, even when its pid now belongs to a live process', async () => {
    lockedBy(Date.now() - 1000);
    expect(await send()).toMatchObject({ sent: 1 });
    expect(db.prepare(`SELECT COUNT(*) AS n FROM locks WHERE name = ?`).get(`send:${EDITION_ID}`)).toEqual({ n: 0 });
  });

  it('a lock still renewed by another live sender is refused, naming it', async () => {
    lockedBy(Date.now() + 60_000);
    await expect(send()).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringMatching(/already being sent by .*:0badc0de \(since 2026-11-23T07:00:00\.000Z\)/) });
    expect(sink.messages).toHaveLength(0);
  });
});
