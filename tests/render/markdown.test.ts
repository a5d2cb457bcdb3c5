import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskMemo } from '../../src/cache.js';
import { memoRenderer, renderMarkdown } from '../../src/render/markdown.js';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('memoRenderer', () => {
  it('renders exactly as renderMarkdown does, and each text only once across runs', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'briefing-md-'));
    const file = path.join(dir, 'markdown.bin');
    const texts = ['- One *point*.\n- Two: <script>x</script> [link](https://example.org)\n', 'A "quoted" note -- with www.example.org'];
    const first = memoRenderer(DiskMemo.open(file, 's'));
    expect(texts.map(first)).toEqual(texts.map(renderMarkdown));

    const stored = DiskMemo.open<string>(file, 's');
    for (const text of texts) stored.set(DiskMemo.key(text), `remembered ${text.length}`);
    await stored.save();
    const later = memoRenderer(DiskMemo.open(file, 's'));
    expect(texts.map(later)).toEqual(texts.map((t) => `remembered ${t.length}`));
    expect(later('new text')).toBe(renderMarkdown('new text'));
  });
});
