/**
 * PagefindPool: each lane is a Pagefind process of its own (so two shards
 * are indexed on two cores), closing leaves no process behind (so the CLI
 * can exit), and a Pagefind that dies fails its shard instead of hanging or
 * writing half of it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PagefindPool } from '../../src/archive/pagefind-lane.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'briefing-lane-'));
const pools: PagefindPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const newPool = (lanes = 1) => {
  const pool = new PagefindPool('en', lanes);
  pools.push(pool);
  return pool;
};
const page = (title: string) =>
  `<!doctype html><html lang="en"><body><article data-pagefind-body><h1>${title}</h1><p>${title} and export controls.</p></article></body></html>`;
const pageCount = (bundle: string) =>
  (JSON.parse(readFileSync(path.join(bundle, 'pagefind-entry.json'), 'utf8')) as { languages: Record<string, { page_count: number }> }).languages.en!.page_count;

/**
 * Pagefind processes started by this test process, from /proc. Zombies count
 * unless `live`: in a long-running process nothing else would ever reap them.
 */
function pagefindProcesses(live = false): number[] {
  return readdirSync('/proc').flatMap((pid) => {
    if (!/^\d+$/.test(pid)) return [];
    try {
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      return m && m[1]!.startsWith('pagefind') && Number(m[3]) === process.pid && !(live && m[2] === 'Z') ? [Number(pid)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

/** Processes start and stop on their own schedule: wait (up to 20 s) until the count is as expected. */
async function untilProcesses(count: number): Promise<number[]> {
  for (let i = 0; i < 200 && pagefindProcesses().length !== count; i++) await new Promise((r) => setTimeout(r, 100));
  return pagefindProcesses();
}

describe('PagefindPool', () => {
  it('runs each lane in a Pagefind process of its own, and close leaves none running', async () => {
    const pool = newPool(2);
    const [a, b] = pool.lanes as [PagefindPool['lanes'][number], PagefindPool['lanes'][number]];
    const [ia, ib] = [a.newIndex(), b.newIndex()];
    a.add(ia, 'briefs/a/index.html', page('Alpha'));
    b.add(ib, 'briefs/b/index.html', page('Bravo'));
    expect(await untilProcesses(2)).toHaveLength(2);

    const [ra, rb] = await Promise.all([a.write(ia, path.join(scratch, 'a')), b.write(ib, path.join(scratch, 'b'))]);
    expect(ra).toEqual({ errors: [], count: 1 });
    expect(rb).toEqual({ errors: [], count: 1 });
    expect(pageCount(path.join(scratch, 'a'))).toBe(1);
    expect(pageCount(path.join(scratch, 'b'))).toBe(1);

    await pool.close();
    expect(await untilProcesses(0)).toEqual([]);
  });

  it('leaves no zombie Pagefind behind for a long-running process to collect (regression: one lane in three did)', async () => {
    for (let round = 0; round < 6; round++) {
      const pool = newPool();
      const lane = pool.lanes[0]!;
      const index = lane.newIndex();
      lane.add(index, 'briefs/a/index.html', page('Alpha'));
      expect((await lane.write(index, path.join(scratch, `round-${round}`))).count).toBe(1);
      await pool.close();
    }
    expect(await untilProcesses(0)).toEqual([]);
  });

  it('writes indexes of one lane one after the other, each with only its own pages', async () => {
    const lane = newPool().lanes[0]!;
    const first = lane.newIndex();
    const second = lane.newIndex();
    for (const t of ['One', 'Two', 'Three']) lane.add(first, `briefs/${t}/index.html`, page(t));
    lane.add(second, 'briefs/four/index.html', page('Four'));
    // Both handed over before either is written, as SearchIndexer does with shards completed in a row.
    const [r1, r2] = await Promise.all([lane.write(first, path.join(scratch, 'first')), lane.write(second, path.join(scratch, 'second'))]);
    expect([r1.count, r2.count]).toEqual([3, 1]);
    expect(pageCount(path.join(scratch, 'first'))).toBe(3);
    expect(pageCount(path.join(scratch, 'second'))).toBe(1);
  });

  it('writes whole bundles although each Pagefind process is stopped as soon as its index is written (regression: an empty pagefind-entry.json)', async () => {
    // Pagefind's own writeFiles could answer before its last bytes were written; the restart then cut them off.
    const pool = newPool();
    const lane = pool.lanes[0]!;
    const bundles = Array.from({ length: 24 }, (_, n) => {
      const index = lane.newIndex();
      for (let i = 0; i <= n; i++) lane.add(index, `briefs/${n}-${i}/index.html`, page(`Page ${n} ${i}`));
      return lane.write(index, path.join(scratch, `whole-${n}`));
    });
    expect((await Promise.all(bundles)).map((r) => r.count)).toEqual(Array.from({ length: 24 }, (_, n) => n + 1));
    await pool.close();
    for (let n = 0; n < 24; n++) {
      const dir = path.join(scratch, `whole-${n}`);
      expect(pageCount(dir)).toBe(n + 1);
      const fragments = readdirSync(path.join(dir, 'fragment'));
      expect(fragments).toHaveLength(n + 1);
      // Every compressed file is whole: it inflates, to Pagefind's own marker.
      for (const f of fragments) expect(gunzipSync(readFileSync(path.join(dir, 'fragment', f))).subarray(0, 12).toString()).toBe('pagefind_dcd');
    }
  });

  it('fails what is still queued once closed, and starts nothing again (regression: work after close started a new worker)', async () => {
    const pool = newPool();
    const lane = pool.lanes[0]!;
    // Two indexes fill the lane; a third waits for room, as SearchIndexer's shards do.
    const writes = [0, 1].map((n) => {
      const index = lane.newIndex();
      lane.add(index, `briefs/${n}/index.html`, page(`Page ${n}`));
      return lane.write(index, path.join(scratch, `queued-${n}`));
    });
    const third = (async () => {
      await lane.ready();
      const index = lane.newIndex();
      lane.add(index, 'briefs/third/index.html', page('Third'));
      return lane.write(index, path.join(scratch, 'queued-third'));
    })();
    await pool.close();
    const results = await Promise.all([...writes, third]);
    expect(results[2]!.errors).toEqual(['the search index was closed']);
    expect(existsSync(path.join(scratch, 'queued-third', 'pagefind-entry.json'))).toBe(false);

    // However late it comes, work for a closed pool is refused, not given a new worker.
    const late = lane.newIndex();
    lane.add(late, 'briefs/late/index.html', page('Late'));
    expect((await lane.write(late, path.join(scratch, 'late'))).errors).toEqual(['the search index was closed']);
    expect(existsSync(path.join(scratch, 'late'))).toBe(false);
    expect(await untilProcesses(0)).toEqual([]);
  });

  it('fails the shard whose Pagefind process dies, without hanging or writing half of it, and starts afresh for the next', async () => {
    const before = new Set(pagefindProcesses());
    const lane = newPool().lanes[0]!;
    const index = lane.newIndex();
    lane.add(index, 'briefs/a/index.html', page('Alpha'));
    let pid: number | undefined;
    for (let i = 0; i < 200 && pid === undefined; i++) {
      pid = pagefindProcesses(true).find((p) => !before.has(p));
      if (pid === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(pid!, 'SIGKILL');
    const killed = path.join(scratch, 'killed');
    const result = await lane.write(index, killed);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.stage).toBeDefined();
    expect(existsSync(path.join(killed, 'pagefind-entry.json'))).toBe(false);

    const later = lane.newIndex();
    lane.add(later, 'briefs/b/index.html', page('Bravo'));
    expect(await lane.write(later, path.join(scratch, 'later'))).toEqual({ errors: [], count: 1 });
    expect(pageCount(path.join(scratch, 'later'))).toBe(1);
  });
});
