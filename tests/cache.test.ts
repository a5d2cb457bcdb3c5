import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskMemo, fingerprint } from '../src/cache.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-memo-'));
  file = path.join(dir, 'memo', 'things.bin');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DiskMemo', () => {
  it('gives back, in a later run, what an earlier run stored', async () => {
    const first = DiskMemo.open<{ n: number; when: string[] }>(file, 'stamp');
    expect(first.get('a')).toBeUndefined();
    first.set('a', { n: 1, when: ['x'] });
    await first.save();
    expect(DiskMemo.open(file, 'stamp').get('a')).toEqual({ n: 1, when: ['x'] });
  });

  it('reads as empty when the file was made with another stamp (other code, packages or settings)', async () => {
    const first = DiskMemo.open<number>(file, 'old code');
    first.set('a', 1);
    await first.save();
    expect(DiskMemo.open<number>(file, 'new code').get('a')).toBeUndefined();
  });

  it('keeps only the entries used since it was opened', async () => {
    const first = DiskMemo.open<number>(file, 's');
    for (const key of ['a', 'b', 'c']) first.set(key, 1);
    await first.save();
    const second = DiskMemo.open<number>(file, 's');
    second.get('a');
    second.set('d', 4);
    await second.save();
    const third = DiskMemo.open<number>(file, 's');
    expect(['a', 'b', 'c', 'd'].map((k) => third.get(k))).toEqual([1, undefined, undefined, 4]);
  });

  it('does not rewrite the file when a run used exactly what it holds', async () => {
    const first = DiskMemo.open<number>(file, 's');
    first.set('a', 1);
    await first.save();
    // Every write is a new file renamed into place: a new inode.
    const written = statSync(file).ino;
    const second = DiskMemo.open<number>(file, 's');
    second.get('a');
    await second.save();
    expect(statSync(file).ino).toBe(written);
    expect(readdirSync(path.dirname(file))).toEqual(['things.bin']);
  });

  it('starts afresh from a file cut short, and replaces it', async () => {
    const first = DiskMemo.open<string>(file, 's');
    first.set('a', 'x'.repeat(1000));
    await first.save();
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    const second = DiskMemo.open<string>(file, 's');
    expect(second.get('a')).toBeUndefined();
    second.set('a', 'y');
    await second.save();
    expect(DiskMemo.open<string>(file, 's').get('a')).toBe('y');
  });

  it('never throws when the file cannot be written; the run goes on without it', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    // A folder where the file should be: no user can write over that, root included.
    mkdirSync(file);
    const memo = DiskMemo.open<number>(file, 's');
    memo.set('a', 1);
    await expect(memo.save()).resolves.toBeUndefined();
    expect(readdirSync(path.dirname(file))).toEqual(['things.bin']);
  });

  it('removes what a save killed halfway left behind, not what a running build is writing', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const dead = `.tmp-${gone}-1-things.bin`;
    const running = `.tmp-${process.ppid}-1-things.bin`;
    for (const name of [dead, running]) writeFileSync(path.join(path.dirname(file), name), 'half');
    const memo = DiskMemo.open<number>(file, 's');
    memo.set('a', 1);
    await memo.save();
    expect(readdirSync(path.dirname(file)).sort()).toEqual([running, 'things.bin']);
  });

  it('lets go of its entries once saved: saving is the last call on a memo', async () => {
    const memo = DiskMemo.open<number>(file, 's');
    memo.set('a', 1);
    await memo.save();
    expect(memo.get('a')).toBeUndefined();
    expect(DiskMemo.open<number>(file, 's').get('a')).toBe(1);
  });

  it('keys inputs by every part, in order', () => {
    expect(DiskMemo.key('a', 'b')).toBe(DiskMemo.key('a', 'b'));
    expect(DiskMemo.key('a', 'b')).not.toBe(DiskMemo.key('b', 'a'));
    expect(DiskMemo.key('ab', '')).not.toBe(DiskMemo.key('a', 'b'));
    expect(DiskMemo.key('a', Buffer.from('b'))).toBe(DiskMemo.key('a', 'b'));
  });
});

describe('fingerprint', () => {
  it('changes with a code file’s contents, a package version or a setting', () => {
    const code = path.join(dir, 'code.ts');
    writeFileSync(code, 'export const a = 1;\n');
    const base = { files: [code], packages: ['zod'], settings: { themes: ['safety'] } };
    const before = fingerprint(base);
    expect(fingerprint(base)).toBe(before);
    expect(fingerprint({ ...base, settings: { themes: ['safety', 'chips'] } })).not.toBe(before);
    expect(fingerprint({ ...base, packages: ['zod', 'yaml'] })).not.toBe(before);
    writeFileSync(code, 'export const a = 2;\n');
    expect(fingerprint(base)).not.toBe(before);
  });
});
