/**
 * `npm run dev`, as a writer runs it in a fresh clone: it listens on loopback
 * only, the subscribe form works, a saved brief reloads the open page in
 * Chromium, and SIGTERM to npm leaves no process behind (regression: npm's
 * `sh -c` kept the dev server running and listening after npm had gone).
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { freePort, listening } from '../helpers/ports.js';
import { ROOT } from '../helpers/project.js';
import { startService, type ServiceProcess } from '../service/child.js';

let root: string;
let port: number;
let dev: ServiceProcess;
let url: string;
let browser: Browser;

beforeAll(async () => {
  // A clone's layout: its package.json (whose "dev" script is under test), bin/, the config and the sample briefs.
  root = mkdtempSync(path.join(os.tmpdir(), 'briefing-dev-'));
  cpSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(ROOT, 'bin'), path.join(root, 'bin'));
  cpSync(path.join(ROOT, 'briefing.config.yml'), path.join(root, 'briefing.config.yml'));
  cpSync(path.join(ROOT, 'briefs'), path.join(root, 'briefs'), { recursive: true });
  port = await freePort();
  const { SMTP_URL: _unset, ...env } = process.env;
  dev = startService(['--port', String(port)], { cwd: root, env: { ...env, BRIEFING_DATA_DIR: path.join(root, 'data'), BRIEFING_SECRET: '' }, command: ['npm', 'run', 'dev', '--'] });
  const line = await dev.waitFor(/^dev server at /, { timeoutMs: 120_000 });
  url = /at (http:\/\/[^/\s]+)/.exec(line)![1]!;
  browser = await launchChromium();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await dev?.stop('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** The addresses something listens on at `port`, from the kernel's own table (IPv4 and IPv6). */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = row.trim().split(/\s+/);
      if (state === '0A' && local?.endsWith(`:${hexPort}`)) found.push(local.slice(0, -5));
    }
  }
  return found;
}

/** Processes whose working directory is `dir`. */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('npm run dev', { timeout: 180_000 }, () => {
  it('listens on 127.0.0.1 only, as `briefing serve` does', () => {
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(listenAddresses(port)).toEqual(['0100007F']);
  });

  it('answers the subscribe form, with a confirmation link back to itself', async () => {
    const res = await fetch(`${url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email: 'writer@example.org', themes: 'all' }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/inbox/i);
    const outbox = path.join(root, 'data', 'outbox', 'confirmations');
    let mail = '';
    for (let i = 0; i < 200 && !mail; i++) {
      const file = existsSync(outbox) ? readdirSync(outbox).find((f) => f.endsWith('.eml')) : undefined;
      if (file) mail = readFileSync(path.join(outbox, file), 'utf8');
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(mail).toContain(`${url}/confirm?token=`);
  });

  it('reloads the open page in Chromium when a brief is saved', async () => {
    const file = readdirSync(path.join(root, 'briefs')).find((f) => f.endsWith('.md') && existsSync(path.join(root, 'dist', 'briefs', f.slice(0, -3), 'index.html')))!;
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${url}/briefs/${file.slice(0, -3)}/`);
    expect(await page.locator('h1').count()).toBe(1);
    const briefFile = path.join(root, 'briefs', file);
    writeFileSync(briefFile, readFileSync(briefFile, 'utf8').replace(/^summary: .*$/m, 'summary: Saved a moment ago, and the page shows it.'));
    // Not a timing: the bound only keeps a broken reload from hanging the suite.
    await page.waitForFunction(() => document.body.textContent?.includes('Saved a moment ago'), undefined, { timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stops on SIGTERM to npm, leaving nothing running or listening', async () => {
    expect(processesIn(root).length).toBeGreaterThan(0);
    await dev.stop('SIGTERM');
    // npm has exited; whatever it started must have gone with it, and it went gracefully.
    expect(dev.output()).toContain('dev server stopped.');
    for (let i = 0; i < 100 && (processesIn(root).length > 0 || (await listening(port))); i++) await new Promise((r) => setTimeout(r, 50));
    expect(processesIn(root)).toEqual([]);
    expect(await listening(port)).toBe(false);
  });
});
