import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PageWriter } from '../../src/archive/page-writer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-page-writer-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PageWriter', () => {
  it('writes every page handed over, making its folders, and counts them', async () => {
    const writer = new PageWriter();
    const pages = Array.from({ length: 200 }, (_, i) => [path.join(dir, 'briefs', `b${i}`, 'index.html'), `<p>page ${i}</p>`] as const);
    for (const [file, content] of pages) writer.write(file, content);
    writer.write(path.join(dir, 'feed.xml'), '<feed/>');
    await expect(writer.done()).resolves.toBe(201);
    for (const [file, content] of pages) expect(readFileSync(file, 'utf8')).toBe(content);
    expect(readFileSync(path.join(dir, 'feed.xml'), 'utf8')).toBe('<feed/>');
  });

  it('fails the build naming the first page it could not write, and writes none after it', async () => {
    writeFileSync(path.join(dir, 'themes'), 'a file where a folder should be');
    const writer = new PageWriter();
    writer.write(path.join(dir, 'index.html'), 'home');
    writer.write(path.join(dir, 'themes', 'safety', 'index.html'), 'safety');
    writer.write(path.join(dir, 'search', 'index.html'), 'search');
    const failure = await writer.done().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'BUILD_FAILED', file: expect.stringContaining(path.join('themes', 'safety', 'index.html')) });
    expect((failure as Error).message).toMatch(/could not write .*themes.safety.index\.html: .*(ENOTDIR|EEXIST)/);
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toBe('home');
    expect(existsSync(path.join(dir, 'search'))).toBe(false);
  });

  it('reports a writer that was closed instead of waiting for it forever', async () => {
    const writer = new PageWriter();
    await writer.close();
    await expect(writer.done()).rejects.toThrow(/page writer stopped/);
  });
});
