/**
 * Page data for Eleventy (src/archive/data.ts): the order brief pages are
 * rendered in, which the search index's shards follow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { archiveData } from '../../src/archive/data.js';
import { loadPublished } from '../../src/editions/published.js';
import { briefText, tempProject, type TempProject } from '../helpers/project.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('archiveData briefPages', () => {
  it('lists every brief oldest first, or newest first for a weekly build, without changing the listings', async () => {
    project = tempProject();
    for (const [id, date] of [['b', '2026-11-02'], ['a', '2026-11-01'], ['c', '2026-11-03']] as const) {
      project.writeBrief(`${id}.md`, briefText({ title: id, date, source: { name: id, url: `https://example.org/${id}` } }));
    }
    const published = await loadPublished(project.config());
    const ids = (briefs: Array<{ id: string }>) => briefs.map((b) => b.id);

    const plain = archiveData(published);
    expect(ids(plain.briefPages)).toEqual(['a', 'b', 'c']);
    const weekly = archiveData(published, { newestFirst: true });
    expect(ids(weekly.briefPages)).toEqual(['c', 'b', 'a']);
    // Listings stay newest first either way.
    expect(ids(plain.briefs)).toEqual(['c', 'b', 'a']);
    expect(ids(weekly.briefs)).toEqual(['c', 'b', 'a']);
  });
});
