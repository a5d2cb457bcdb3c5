/**
 * build.ts loads Eleventy without its ESM cache-buster (src/archive/eleventy-env.ts):
 * on Node before 22.15 that is one module-hooks thread fewer (from 22.15 Eleventy
 * uses module.registerHooks, in the main thread, so there is no thread to save),
 * and the setting does not stay in the environment for child processes. A user's
 * own setting wins.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compiled } from '../../bin/compile.js';
import { ROOT } from '../helpers/project.js';

// Compiled, run by plain node: under tsx, Eleventy's hooks would share tsx's thread and this could not be seen.
let lib: string;
beforeAll(async () => {
  lib = await compiled(ROOT);
});

/** Loads build.ts in a fresh process; its thread count (Linux /proc) and the variable afterwards. */
function loadBuild(env: NodeJS.ProcessEnv): { threads: number; value: string | null } {
  const script = `
    await import(${JSON.stringify(path.join(lib, 'archive/build.js'))});
    const { readFileSync } = await import('node:fs');
    const threads = Number(readFileSync('/proc/self/status', 'utf8').match(/Threads:\\s+(\\d+)/)[1]);
    console.log(JSON.stringify({ threads, value: process.env.ELEVENTY_SKIP_ESM_RESOLVER ?? null }));`;
  const base = { ...process.env };
  delete base.ELEVENTY_SKIP_ESM_RESOLVER;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env } });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { threads: number; value: string | null };
}

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const inThreadHooks = major > 22 || (major === 22 && minor >= 15);

describe('loading Eleventy for a build', () => {
  it("starts no module-hooks thread for Eleventy's cache-buster, and leaves no setting behind", () => {
    const ours = loadBuild({});
    const theirs = loadBuild({ ELEVENTY_SKIP_ESM_RESOLVER: '' });
    expect(ours.value).toBeNull();
    expect(theirs.value).toBe('');
    // Regression, seen on Node 24: this asserted one thread fewer on every Node.
    expect(ours.threads).toBe(theirs.threads - (inThreadHooks ? 0 : 1));
  });
});
