/**
 * A real MTA that accepts and then bounces, as relays do: Debian's Postfix,
 * started by the test in the foreground on 127.0.0.1 with a config of its
 * own in a temp folder. It takes every message from loopback and relays it
 * to `relayPort` (a scripted SMTP server standing for the recipients' MX);
 * what that refuses, Postfix bounces as a DSN (RFC 3464) to the envelope
 * sender. Mail for `bounceDomain` is delivered to one Maildir, where the
 * test reads the bounces as Briefing's bounce mailbox would hold them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, listening } from './ports.js';

export interface Postfix {
  port: number;
  /** The Maildir that mail for bounceDomain goes to. */
  maildir: string;
  /** Waits until the Maildir holds `count` messages. */
  waitForBounces(count: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

const NOBODY = 65534;



export async function startPostfix(options: { relayPort: number; bounceDomain: string }): Promise<Postfix> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-postfix-'));
  chmodSync(dir, 0o755);
  const conf = path.join(dir, 'conf');
  for (const d of ['conf', 'queue', 'data', 'mail']) mkdirSync(path.join(dir, d));
  spawnSync('chown', ['postfix', path.join(dir, 'data')]);
  chownSync(path.join(dir, 'mail'), NOBODY, NOBODY);
  const port = await freePort();
  // Debian's master.cf, with smtpd on our port and nothing chrooted (the queue is in a temp folder).
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .replace(/^smtp\s+inet\s+n\s+-\s+y\s+-\s+-\s+smtpd$/m, `127.0.0.1:${port} inet n - n - - smtpd`)
    .replace(/^([a-z]+\s+(?:unix|unix-dgram|fifo|pass)\s+[-ny]\s+[-ny]\s+)y/gm, '$1n');
  writeFileSync(path.join(conf, 'master.cf'), master);
  writeFileSync(
    path.join(conf, 'main.cf'),
    `compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
myhostname = mx.briefing.test
mydomain = briefing.test
myorigin = briefing.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
smtputf8_enable = no
relayhost = [127.0.0.1]:${options.relayPort}
smtp_tls_security_level = none
virtual_mailbox_domains = ${options.bounceDomain}
virtual_mailbox_base = ${dir}/mail
virtual_mailbox_maps = static:bounces/
virtual_uid_maps = static:${NOBODY}
virtual_gid_maps = static:${NOBODY}
`,
  );
  // In the foreground, in a process group of its own, so a stop reaches every process it started.
  // Its log goes to a file: postlogd cannot open a pipe as /dev/stdout once it runs as postfix.
  const child: ChildProcess = spawn('/usr/sbin/postfix', ['-c', conf, 'start-fg'], { stdio: 'ignore', detached: true });
  const log = () => {
    try {
      return readFileSync(path.join(dir, 'maillog'), 'utf8');
    } catch {
      return '(no log)';
    }
  };
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Postfix did not start on 127.0.0.1:${port}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const maildir = path.join(dir, 'mail', 'bounces');
  return {
    port,
    maildir,
    async waitForBounces(count, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        let files: string[] = [];
        try {
          files = readdirSync(path.join(maildir, 'new'));
        } catch {
          // not created before the first delivery
        }
        if (files.length >= count) return files;
        if (Date.now() > until) throw new Error(`Postfix: waited for ${count} bounces, got ${files.length}:\n${log()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      spawnSync('/usr/sbin/postfix', ['-c', conf, 'stop'], { stdio: 'ignore' });
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
