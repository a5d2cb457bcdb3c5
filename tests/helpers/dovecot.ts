/**
 * A real IMAP server for tests: Debian's Dovecot, started by the test on
 * 127.0.0.1 with a config of its own in a temp folder (one user, one
 * Maildir, plain login, no TLS), and stopped with it. Messages are dropped
 * into the Maildir's new/ folder, as a delivery agent would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, listening } from './ports.js';

export interface Dovecot {
  url: string;
  port: number;
  deliver(name: string, raw: string | Buffer): void;
  /** Stops the server at once, as a crash would (connections drop); resolves once nothing listens. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const NOBODY = { uid: 65534, gid: 65534 };



export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-dovecot-'));
  // The mail processes run as nobody, who must reach the Maildir inside.
  chmodSync(dir, 0o755);
  const mail = path.join(dir, 'mail');
  for (const d of ['run', 'state', 'home', 'mail/new', 'mail/cur', 'mail/tmp']) mkdirSync(path.join(dir, d), { recursive: true });
  for (const d of ['home', 'mail', 'mail/new', 'mail/cur', 'mail/tmp']) chownSync(path.join(dir, d), NOBODY.uid, NOBODY.gid);
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'dovecot.conf'),
    `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:${mail}
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=${NOBODY.uid} gid=${NOBODY.gid} home=${dir}/home
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
}
service anvil {
  chroot =
}
`,
  );
  // Its own process group: a kill reaches the master and every process it started.
  const child: ChildProcess = spawn('/usr/sbin/dovecot', ['-F', '-c', path.join(dir, 'dovecot.conf')], { stdio: 'ignore', detached: true });
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (await listening(port)) break;
    if (Date.now() > deadline) {
      signal('SIGKILL');
      let log = '';
      try {
        log = readFileSync(path.join(dir, 'dovecot.log'), 'utf8');
      } catch {}
      throw new Error(`Dovecot did not start on 127.0.0.1:${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let n = 0;
  return {
    url: `imap://bounces:secret@127.0.0.1:${port}/INBOX`,
    port,
    deliver(name, raw) {
      n += 1;
      const file = path.join(mail, 'new', `${Date.now()}.${n}.${name}`);
      writeFileSync(file, raw);
      chownSync(file, NOBODY.uid, NOBODY.gid);
    },
    async kill() {
      signal('SIGKILL');
      await exited;
      // The master is gone; its children may hold the listening socket a moment longer.
      const until = Date.now() + 5000;
      while (Date.now() < until && (await listening(port))) await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
