/**
 * A real IMAP server for tests: Debian's Dovecot, started by the test on
 * 127.0.0.1 with a config of its own in a temp folder (one user, one
 * Maildir, plain login, no TLS), and stopped with it. Messages are dropped
 * into the Maildir's new/ folder, as a delivery agent would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Dovecot {
  url: string;
  port: number;
  deliver(name: string, raw: string | Buffer): void;
  /** Stops the server at once, as a crash would (connections drop). */
  kill(): void;
  stop(): Promise<void>;
}

const NOBODY = { uid: 65534, gid: 65534 };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

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
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
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
    kill() {
      signal('SIGKILL');
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
