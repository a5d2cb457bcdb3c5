/**
 * A small tmpfs of its own, for a real ENOSPC: mounted in a temp folder
 * (root only; the CI runs as root), filled on demand, unmounted after.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterEach } from 'vitest';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Takes every free byte but `leaveKb`, so a later write fails with ENOSPC; returns a function that frees it again. */
  fill(leaveKb?: number): () => void;
  unmount(): void;
}

/** `at`: an empty folder to mount on (created); default a new temp folder. */
export function mountTmpfs(sizeKb = 256, at?: string): Tmpfs {
  const dir = at ?? mkdtempSync(path.join(os.tmpdir(), 'briefing-tmpfs-'));
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`these tests need a tmpfs for a real full disk, mounted as root (mount -t tmpfs): ${(error as Error).message}`);
  }
  return {
    dir,
    fill(leaveKb = 0) {
      const filler = path.join(dir, '.filler');
      const chunk = Buffer.alloc(4096);
      // The room to leave is held by one file, deleted once the rest is full.
      const keep = path.join(dir, '.filler-keep');
      if (leaveKb > 0) writeFileSync(keep, Buffer.alloc(leaveKb * 1024));
      for (let i = 0; ; i++) {
        try {
          writeFileSync(`${filler}-${i}`, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          break;
        }
      }
      if (leaveKb > 0) rmSync(keep);
      return () => execFileSync('sh', ['-c', `rm -f ${JSON.stringify(dir)}/.filler-*`]);
    },
    unmount() {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file: `mount()` gives a tmpfs that is unmounted after the test that made it. Call it after
 * registering the file's other afterEach hooks: these run first (last registered, first run), so a tmpfs
 * mounted inside a temp project is unmounted before the project is removed.
 */
export function tmpfsPerTest(): (sizeKb?: number, at?: string) => Tmpfs {
  const mounted: Tmpfs[] = [];
  afterEach(() => {
    for (const m of mounted.splice(0).reverse()) m.unmount();
  });
  return (sizeKb, at) => {
    const t = mountTmpfs(sizeKb, at);
    mounted.push(t);
    return t;
  };
}
