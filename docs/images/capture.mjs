#!/usr/bin/env node
/**
 * Makes the README's two screenshots from the sample briefs, as a new user
 * sees them after `npm start`: the archive's home page and the edition's
 * email, in Debian's Chromium. Run it again when the pages change:
 *   node docs/images/capture.mjs
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/briefing.js');
const OUT = import.meta.dirname;
const PORT = 8093;

const project = mkdtempSync(path.join(os.tmpdir(), 'briefing-screenshots-'));
cpSync(path.join(ROOT, 'briefing.config.yml'), path.join(project, 'briefing.config.yml'));
cpSync(path.join(ROOT, 'briefs'), path.join(project, 'briefs'), { recursive: true });
const cli = (...args) => execFileSync(process.execPath, [CLI, '--config', path.join(project, 'briefing.config.yml'), ...args], { cwd: project, stdio: 'inherit' });

let server;
let browser;
try {
  cli('assemble');
  cli('build', '--out', path.join(project, 'dist'));
  server = spawn(process.execPath, [CLI, '--config', path.join(project, 'briefing.config.yml'), 'serve', '--dist', path.join(project, 'dist'), '--port', String(PORT)], { cwd: project, stdio: 'ignore' });
  const base = `http://127.0.0.1:${PORT}`;
  for (let i = 0; i < 50; i++) {
    if (await fetch(base).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(base + '/');
  await page.screenshot({ path: path.join(OUT, 'archive.png') });
  const [edition] = readdirSync(path.join(project, 'editions')).map((f) => f.replace(/\.md$/, ''));
  await page.setViewportSize({ width: 700, height: 1200 });
  await page.goto(`${base}/editions/${edition}/email.html`);
  await page.screenshot({ path: path.join(OUT, 'email.png') });
  console.log(`wrote ${path.join(OUT, 'archive.png')} and email.png`);
} finally {
  await browser?.close();
  server?.kill();
  rmSync(project, { recursive: true, force: true });
}
