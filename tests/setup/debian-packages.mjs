#!/usr/bin/env node
/**
 * The first step of `npm test`: the tests drive real programs from Debian's
 * packages (Chromium for the browser tests, SpamAssassin, Postfix and
 * Dovecot for the delivery tests). When one is missing, install it
 * (as root on Debian), or stop at once with one line that says what to
 * install: better than minutes of tests ending in raw launch errors.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, rmSync, writeFileSync } from 'node:fs';

/** What the tests run, and the Debian packages that bring it. */
const NEEDED = [
  { program: '/usr/bin/chromium', packages: ['chromium', 'fonts-dejavu-core'], for: 'the browser tests' },
  { program: '/usr/bin/spamassassin', packages: ['spamassassin'], for: 'the spam score test' },
  { program: '/usr/lib/dovecot/imap', packages: ['dovecot-imapd'], for: 'the bounce mailbox tests (IMAP)' },
  { program: '/usr/sbin/postfix', packages: ['postfix'], for: 'the accept-then-bounce test' },
  { program: '/usr/bin/strace', packages: ['strace'], for: 'the tests that widen a window with strace (the archive swap)' },
];

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const missing = NEEDED.filter((n) => !executable(n.program));
if (missing.length > 0) {
  const packages = missing.flatMap((n) => n.packages);
  const what = missing.map((n) => `${n.program} (${n.for})`).join(', ');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const debian = existsSync('/etc/debian_version') && executable('/usr/bin/apt-get');
  if (!root || !debian) {
    const how = debian ? `sudo apt-get install ${packages.join(' ')}` : `your system's packages that provide them`;
    console.error(`npm test: missing ${what}; install them (${how}), then run npm test again.`);
    process.exit(1);
  }
  console.error(`npm test: missing ${what}; installing Debian's ${packages.join(' ')} with apt-get (a minute or two)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // The tests start their own Postfix and Dovecot on loopback: the packages must neither ask how to
  // configure mail nor start the system's servers.
  spawnSync('debconf-set-selections', { input: 'postfix postfix/main_mailer_type select No configuration\n', stdio: ['pipe', 'ignore', 'inherit'] });
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  let failed;
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...packages]]) {
    const run = spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) {
      failed = `apt-get ${args[0]} failed (exit ${run.status ?? run.signal})`;
      break;
    }
  }
  if (ownPolicy) rmSync(policy, { force: true });
  if (failed) {
    console.error(`npm test: ${failed}; install ${packages.join(' ')} by hand, then run npm test again.`);
    process.exit(1);
  }
  const still = missing.filter((n) => !executable(n.program));
  if (still.length > 0) {
    console.error(`npm test: apt-get installed ${packages.join(' ')} but ${still.map((n) => n.program).join(', ')} is still missing; install it by hand, then run npm test again.`);
    process.exit(1);
  }
}
